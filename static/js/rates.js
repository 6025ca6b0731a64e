// The service rates page's trend: the chosen rate over the last twelve months (ECharts, vendored).
(function () {
  var node = document.getElementById("rates-chart");
  var source = document.getElementById("rates-trend-data");
  if (!node || !source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var unit = node.dataset.unit === "%" ? "%" : "";
  var show = function (v) { return v === null || v === undefined ? "—" : (node.dataset.unit === "¥" ? "¥" + v : v + unit); };
  var chart = window.echarts.init(node);
  chart.setOption({
    tooltip: { trigger: "axis", valueFormatter: show },
    grid: { left: 64, right: 24, top: 32, bottom: 40 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", name: node.dataset.unit === "pcs" ? "" : node.dataset.unit },
    series: [{
      name: node.dataset.label, type: "line", connectNulls: false, symbolSize: 7,
      data: data.values.map(function (v) { return v === null ? null : Number(v); }),
      itemStyle: { color: "#2c6e9b" }, label: { show: true, formatter: function (p) { return show(p.value); } }
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
