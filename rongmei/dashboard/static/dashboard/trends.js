/* The data center's trends page: one ECharts line chart per div.trend-chart[data-series], from the
 * JSON the page carries (#trends-data: {days: [...], <series>: [{name, data: [...]}]}). ECharts is
 * served by us (build/static/vendor). A chart without series gives way to its data-empty text. */
(function () {
  "use strict";

  function draw() {
    var source = document.getElementById("trends-data");
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    document.querySelectorAll(".trend-chart[data-series]").forEach(function (node) {
      var series = data[node.getAttribute("data-series")] || [];
      if (!series.length) {
        var empty = document.createElement("p");
        empty.className = "muted";
        empty.textContent = node.getAttribute("data-empty") || "";
        node.replaceWith(empty);
        return;
      }
      var chart = window.echarts.init(node, null, { renderer: "svg" });
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { type: "scroll", top: 0 },
        grid: { left: 60, right: 20, top: 36, bottom: 30 },
        xAxis: { type: "category", data: data.days, axisLabel: { formatter: function (v) { return v.slice(5); } } },
        yAxis: { type: "value", minInterval: 1 },
        series: series.map(function (s) { return { name: s.name, type: "line", data: s.data, showSymbol: false, connectNulls: false }; })
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
