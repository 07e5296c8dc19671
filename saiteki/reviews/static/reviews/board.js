// The reductions trend of the review board. The numbers are in the table beside the chart.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") { return; }
  var el = document.getElementById("reviews-trend");
  if (!el) { return; }
  var d = JSON.parse(el.dataset.chart);
  // Legend names come translated from the template; English readers get ¥ in millions on the axis.
  var names = (el.dataset.names || "要求額|査定額|削減額").split("|");
  var en = (document.documentElement.lang || "").indexOf("en") === 0;
  new Chart(el, {
    type: "bar",
    data: {
      labels: d.labels,
      datasets: [
        { type: "line", label: names[0], data: d.requested, borderColor: "#1d3f72", backgroundColor: "#1d3f72" },
        { type: "line", label: names[1], data: d.assessed, borderColor: "#6c8ebf", backgroundColor: "#6c8ebf", borderDash: [6, 3] },
        { label: names[2], data: d.reduction, backgroundColor: "#e0a030" }
      ]
    },
    options: {
      animation: false,
      scales: { y: { ticks: { callback: function (v) { return en ? "¥" + (v / 1e6).toLocaleString("en-US") + "M" : (v / 100000000).toLocaleString("ja-JP") + "億円"; } } } }
    }
  });
});
