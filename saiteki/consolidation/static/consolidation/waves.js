// Wave plan chart of the consolidation result page. The numbers are also in the table beside it.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") { return; }
  var el = document.getElementById("wave-chart");
  if (!el) { return; }
  var d = JSON.parse(el.dataset.chart);
  new Chart(el, {
    data: {
      labels: d.labels,
      datasets: [
        { type: "bar", label: d.names[0], data: d.systems, backgroundColor: "#6c8ebf", yAxisID: "y" },
        { type: "bar", label: d.names[1], data: d.hosts_added, backgroundColor: "#e0a030", yAxisID: "y" },
        { type: "line", label: d.names[2], data: d.hosts_total, borderColor: "#1d3f72", backgroundColor: "#1d3f72", yAxisID: "y", stepped: true }
      ]
    },
    options: {
      animation: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
    }
  });
});
