// Bar charts of the resilience pages. Each <canvas data-chart="ID"> reads the JSON written by Django's
// json_script into <script id="ID">; the same numbers are always in the table beside the chart.
(function () {
  "use strict";
  var COLOURS = ["#1d3f72", "#e0a030", "#2f7d4f", "#b02a37"];
  var DASHES = [[], [6, 3], [2, 2], [8, 2, 2, 2]];

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart === "undefined") { return; }
    var canvases = document.querySelectorAll("canvas[data-chart]");
    Array.prototype.forEach.call(canvases, function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var d = JSON.parse(source.textContent);
      if (!d.labels.length) { return; }
      new Chart(el, {
        type: "bar",
        data: {
          labels: d.labels,
          datasets: d.series.map(function (s, i) {
            // Colour and border pattern differ, so series stay apart in grey-scale prints.
            return {
              label: s.name, data: s.data, backgroundColor: COLOURS[i % COLOURS.length],
              borderColor: "#000", borderWidth: 1, borderDash: DASHES[i % DASHES.length]
            };
          })
        },
        options: {
          animation: false,
          scales: {
            y: {
              beginAtZero: true, max: d.unit === "%" ? 100 : undefined,
              ticks: { callback: function (v) { return v + (d.unit || ""); } }
            }
          }
        }
      });
    });
  });
})();
