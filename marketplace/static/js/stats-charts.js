// Draws the statistics pages' charts with ECharts (served from static/vendor/, installed by npm at build
// time). The data comes from the page's JSON block (#stats-charts-data), never from inline script: the
// site's CSP allows scripts from this origin only. Each chart's container is aria-hidden; the table under
// it carries the same numbers for screen readers and keyboards.
(function () {
  "use strict";

  function option(chart) {
    // Tooltips drawn on the canvas (richText), not as HTML with inline styles, which the CSP refuses.
    var base = {animation: false, tooltip: {trigger: chart.kind === "funnel" ? "item" : "axis", renderMode: "richText"}};
    if (chart.kind === "funnel") {
      base.series = [{
        type: "funnel", sort: "none", minSize: "10%", left: "10%", width: "80%",
        label: {show: true, position: "inside", formatter: "{b}：{c}"},
        data: chart.categories.map(function (name, i) { return {name: name, value: chart.series[0].data[i]}; })
      }];
      return base;
    }
    base.legend = {show: chart.series.length > 1, top: 0};
    base.grid = {left: 48, right: 16, top: chart.series.length > 1 ? 36 : 16, bottom: 56};
    base.xAxis = {type: "category", data: chart.categories, axisLabel: {interval: 0, rotate: chart.categories.length > 6 ? 30 : 0}};
    base.yAxis = {type: "value", minInterval: 1};
    base.series = chart.series.map(function (series) {
      return {type: chart.kind, name: series.name, data: series.data};
    });
    return base;
  }

  function draw() {
    var block = document.getElementById("stats-charts-data");
    if (!block || typeof window.echarts === "undefined") {
      return;  // no ECharts installed: the tables stand alone
    }
    var charts = JSON.parse(block.textContent);
    var drawn = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var chart = charts[element.getAttribute("data-chart")];
      if (!chart) {
        return;
      }
      var instance = window.echarts.init(element, null, {renderer: "canvas"});
      instance.setOption(option(chart));
      element.setAttribute("data-drawn", "");
      drawn.push(instance);
    });
    window.addEventListener("resize", function () {
      drawn.forEach(function (instance) { instance.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
