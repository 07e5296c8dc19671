// Charts of the cost analysis page (経費分析). Data come from <script type="application/json"> blocks
// written by Django's json_script; the numbers are always also in the table beside each chart.
(function () {
  "use strict";

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  var en = (document.documentElement.lang || "").indexOf("en") === 0;

  // Axis ticks in the units staff read summaries in: 億円 from 1億, 万円 below (English: ¥ in millions).
  function tick(v) {
    if (en) {
      return "¥" + (v / 1e6).toLocaleString("en-US", { maximumFractionDigits: 1 }) + "M";
    }
    if (Math.abs(v) >= 1e8) {
      return (v / 1e8).toLocaleString("ja-JP", { maximumFractionDigits: 1 }) + "億円";
    }
    return (v / 1e4).toLocaleString("ja-JP", { maximumFractionDigits: 0 }) + "万円";
  }

  function yen(v) {
    if (v === null || v === undefined) { return "—"; }
    return en ? "¥" + v.toLocaleString("en-US") : v.toLocaleString("ja-JP") + "円";
  }

  var tooltip = {
    callbacks: {
      label: function (ctx) { return ctx.dataset.label + ": " + yen(ctx.parsed.y); }
    }
  };

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof Chart === "undefined") { return; }

    var trendEl = document.getElementById("trend-chart");
    var trend = data("trend-chart-data");
    if (trendEl && trend) {
      var datasets = [
        { type: "bar", label: trend.names[0], data: trend.run, backgroundColor: "#1d3f72" }
      ];
      if (trend.target.length && trend.target[0] !== null) {
        // Dashed line, not only a colour: the target stays distinguishable in grey-scale prints.
        datasets.push({
          type: "line", label: trend.names[1], data: trend.target, borderColor: "#b02a37",
          borderDash: [6, 4], pointRadius: 0, fill: false
        });
      }
      new Chart(trendEl, {
        data: { labels: trend.labels, datasets: datasets },
        options: {
          animation: false,
          plugins: { tooltip: tooltip },
          scales: { y: { beginAtZero: true, ticks: { callback: tick } } }
        }
      });
    }

    var yearEl = document.getElementById("year-chart");
    var years = data("year-chart-data");
    if (yearEl && years) {
      new Chart(yearEl, {
        type: "bar",
        data: {
          labels: years.labels,
          datasets: [
            { label: years.names[0], data: years.build, stack: "cost", backgroundColor: "#9bb5d9" },
            { label: years.names[1], data: years.run, stack: "cost", backgroundColor: "#1d3f72" }
          ]
        },
        options: {
          animation: false,
          plugins: { tooltip: tooltip },
          scales: { y: { stacked: true, ticks: { callback: tick } }, x: { stacked: true } }
        }
      });
    }
  });
})();
