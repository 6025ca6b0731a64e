// The quality alert's chart: repair rate by month in service against the category's baseline (ECharts).
(function () {
  var node = document.getElementById("quality-chart");
  var source = document.getElementById("quality-chart-data");
  if (!node || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var num = function (v) { return v === null ? null : Number(v); };
  var chart = window.echarts.init(node);
  chart.setOption({
    tooltip: { trigger: "axis", valueFormatter: function (v) { return v === null || v === undefined ? "—" : v + "%"; } },
    legend: { data: [node.dataset.rate, node.dataset.baseline] },
    grid: { left: 56, right: 24, top: 40, bottom: 48 },
    xAxis: { type: "category", name: node.dataset.month, nameLocation: "middle", nameGap: 30, data: data.months },
    yAxis: { type: "value", name: node.dataset.unit },
    series: [
      { name: node.dataset.rate, type: "bar", data: data.rate.map(num), itemStyle: { color: "#c0392b" } },
      { name: node.dataset.baseline, type: "line", data: data.baseline.map(num), itemStyle: { color: "#2c3e50" }, lineStyle: { type: "dashed" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
