// The reductions trend of the review board. The numbers are in the table beside the chart.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") { return; }
  var el = document.getElementById("reviews-trend");
  if (!el) { return; }
  var d = JSON.parse(el.dataset.chart);
  new Chart(el, {
    type: "bar",
    data: {
      labels: d.labels,
      datasets: [
        { type: "line", label: "要求額", data: d.requested, borderColor: "#1d3f72", backgroundColor: "#1d3f72" },
        { type: "line", label: "査定額", data: d.assessed, borderColor: "#6c8ebf", backgroundColor: "#6c8ebf", borderDash: [6, 3] },
        { label: "削減額", data: d.reduction, backgroundColor: "#e0a030" }
      ]
    },
    options: {
      animation: false,
      scales: { y: { ticks: { callback: function (v) { return (v / 100000000).toLocaleString("ja-JP") + "億円"; } } } }
    }
  });
});
