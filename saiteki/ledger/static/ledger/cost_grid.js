// Cost grid: live row and column totals while typing (the saved amounts are what the server computes).
// Amounts are read like the server reads them: full-width digits, separators, 「円」, 千円 unit.
(function () {
  "use strict";
  var form = document.querySelector("form.cost-grid-form");
  if (!form) { return; }
  var factor = form.dataset.unit === "千円" ? 1000 : 1;

  function toHalfWidth(text) {
    return text.replace(/[０-９．，－]/g, function (ch) {
      return String.fromCharCode(ch.charCodeAt(0) - 0xFEE0);
    });
  }

  // Returns the amount in yen, null for blank, NaN for text the server would refuse.
  function parseAmount(text) {
    var t = toHalfWidth(text || "").replace(/[\s,¥円]/g, "");
    if (t === "") { return null; }
    var negative = /^[-△▲]/.test(t);
    t = t.replace(/^[-△▲]/, "");
    if (!/^\d+(\.\d+)?$/.test(t)) { return NaN; }
    var value = Math.round(parseFloat(t) * factor);
    return negative ? -value : value;
  }

  // The page's own yen format (「0円」 or 「¥0」 in English), so live totals read like saved ones.
  var yenSample = form.dataset.yenSample || "0円";
  function yen(n) {
    var text = yenSample.replace("0", Math.abs(n).toLocaleString("en-US"));
    return n < 0 ? "-" + text : text;
  }

  function recalc() {
    var columns = {};
    var allBuild = 0, allRun = 0, grand = 0, invalid = 0;
    form.querySelectorAll("tbody tr[data-fy]").forEach(function (row) {
      var build = 0, run = 0;
      row.querySelectorAll("td[data-group]").forEach(function (cell) {
        var input = cell.querySelector("input:not([type=hidden])");
        var value = input ? parseAmount(input.value) : null;
        if (value !== null && (isNaN(value) || value < 0)) { invalid += 1; value = 0; }
        value = value || 0;
        if (cell.dataset.group === "build") { build += value; } else { run += value; }
        columns[cell.dataset.col] = (columns[cell.dataset.col] || 0) + value;
      });
      row.querySelector("[data-total=build]").textContent = yen(build);
      row.querySelector("[data-total=run]").textContent = yen(run);
      row.querySelector("[data-total=row]").textContent = yen(build + run);
      allBuild += build; allRun += run; grand += build + run;
    });
    form.querySelectorAll("tfoot [data-total-col]").forEach(function (cell) {
      cell.textContent = yen(columns[cell.dataset.totalCol] || 0);
    });
    var set = function (name, n) {
      var el = form.querySelector("tfoot [data-total=" + name + "]");
      if (el) { el.textContent = yen(n); }
    };
    set("all-build", allBuild); set("all-run", allRun); set("grand", grand);
    var live = document.getElementById("grid-live");
    if (live && invalid) {
      live.textContent = live.dataset.invalid;
    } else if (live && live.dataset.initial) {
      live.textContent = live.dataset.initial;
    }
  }

  var live = document.getElementById("grid-live");
  if (live) { live.dataset.initial = live.textContent; }
  form.addEventListener("input", function (event) {
    if (event.target.matches("td[data-group] input")) { recalc(); }
  });
})();
