// Draws charts from data-chart JSON. Every chart also has its numbers in a table beside it.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") { return; }
  var el = document.getElementById("cost-chart");
  if (!el) { return; }
  var d = JSON.parse(el.dataset.chart);
  var en = (document.documentElement.lang || "").indexOf("en") === 0;  // English: ¥ in millions
  new Chart(el, {
    type: "bar",
    data: {
      labels: d.labels,
      datasets: [
        { label: d.names[0], data: d.build, stack: "budget", backgroundColor: "#6c8ebf" },
        { label: d.names[1], data: d.run, stack: "budget", backgroundColor: "#1d3f72" },
        { label: d.names[2], data: d.actual, stack: "actual", backgroundColor: "#e0a030" }
      ]
    },
    options: {
      animation: false,
      scales: { y: { ticks: { callback: function (v) { return en ? "¥" + (v / 1e6).toLocaleString("en-US") + "M" : (v / 10000).toLocaleString("ja-JP") + "万円"; } } } }
    }
  });
});
