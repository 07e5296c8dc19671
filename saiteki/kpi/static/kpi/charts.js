// The KPI trend chart: values and targets per fiscal year. The same numbers are in the table beside it.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") { return; }
  var el = document.getElementById("kpi-chart");
  var src = document.getElementById("kpi-chart-data");
  if (!el || !src) { return; }
  var d = JSON.parse(src.textContent);
  new Chart(el, {
    type: "line",
    data: {
      labels: d.labels,
      datasets: [
        { label: d.names[0], data: d.values, borderColor: "#1d3f72", backgroundColor: "#1d3f72", spanGaps: true },
        { label: d.names[1], data: d.targets, borderColor: "#e0a030", backgroundColor: "#e0a030", borderDash: [6, 4], pointStyle: "rectRot", spanGaps: true }
      ]
    },
    options: {
      animation: false,
      scales: { y: { title: { display: !!d.unit, text: d.unit } } }
    }
  });
});
