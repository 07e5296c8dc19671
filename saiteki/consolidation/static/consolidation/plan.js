// Multi-year plan chart of the consolidation result page. The numbers are in the table beside it.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") { return; }
  var el = document.getElementById("plan-chart");
  if (!el) { return; }
  var d = JSON.parse(el.dataset.chart);
  new Chart(el, {
    data: {
      labels: d.labels,
      datasets: [
        { type: "bar", label: d.names[0], data: d.bought, backgroundColor: "#e0a030", yAxisID: "y" },
        { type: "bar", label: d.names[1], data: d.moved, backgroundColor: "#6c8ebf", yAxisID: "y" },
        { type: "line", label: d.names[2], data: d.hosts, borderColor: "#1d3f72", backgroundColor: "#1d3f72", yAxisID: "y", stepped: true },
        { type: "line", label: d.names[3], data: d.cost, borderColor: "#2e7d32", backgroundColor: "#2e7d32", yAxisID: "cost" },
        { type: "line", label: d.names[4], data: d.single_shot, borderColor: "#9e9e9e", backgroundColor: "#9e9e9e", borderDash: [6, 4], yAxisID: "cost" }
      ]
    },
    options: {
      animation: false,
      scales: {
        y: { beginAtZero: true, position: "left", ticks: { precision: 0 } },
        cost: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false } }
      }
    }
  });
});
