/* The node page's chart: hazards reported and closed per month (ECharts). */
(function () {
  "use strict";
  var box = document.getElementById("org-chart");
  var source = document.getElementById("org-chart-data");
  if (!box || !source || !window.echarts) {
    return;
  }
  var data = JSON.parse(source.textContent);
  var chart = window.echarts.init(box, null, { renderer: "svg" });
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { top: 0, left: "center", data: [data.labels.reported, data.labels.closed] },
    grid: { left: 36, right: 12, top: 40, bottom: 28 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: data.labels.reported, type: "bar", data: data.reported, itemStyle: { color: "#1e6fd9" } },
      { name: data.labels.closed, type: "bar", data: data.closed, itemStyle: { color: "#2f9e44" } },
    ],
  });
  window.addEventListener("resize", function () {
    chart.resize();
  });
  window.anxinOrgChart = chart;
})();
