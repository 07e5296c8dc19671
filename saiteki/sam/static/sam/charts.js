// SAM charts. Every chart has its numbers in the table next to it; the chart is a picture of them.
document.addEventListener("DOMContentLoaded", function () {
  if (typeof Chart === "undefined") { return; }
  var en = (document.documentElement.lang || "").indexOf("en") === 0;

  var compliance = document.getElementById("sam-compliance-chart");
  if (compliance) {
    var d = JSON.parse(compliance.dataset.chart);
    var names = (compliance.dataset.names || "不足|余剰").split("|");
    new Chart(compliance, {
      type: "bar",
      data: {
        labels: d.labels,
        datasets: [
          { label: names[0], data: d.shortfall, backgroundColor: "#b02a37" },
          { label: names[1], data: d.surplus, backgroundColor: "#6c8ebf" }
        ]
      },
      options: { animation: false, indexAxis: "y", scales: { x: { beginAtZero: true } } }
    });
  }

  var offer = document.getElementById("sam-offer-chart");
  if (offer) {
    var o = JSON.parse(offer.dataset.chart);
    var labels = (offer.dataset.names || "現行|提案").split("|");
    new Chart(offer, {
      type: "line",
      data: {
        labels: o.labels,
        datasets: [
          { label: labels[0], data: o.current, borderColor: "#1d3f72", backgroundColor: "#1d3f72" },
          { label: labels[1], data: o.offer, borderColor: "#e0a030", backgroundColor: "#e0a030", borderDash: [6, 3] }
        ]
      },
      options: {
        animation: false,
        scales: { y: { ticks: { callback: function (v) { return en ? "¥" + (v / 1e6).toLocaleString("en-US") + "M" : (v / 10000).toLocaleString("ja-JP") + "万円"; } } } }
      }
    });
  }
});
