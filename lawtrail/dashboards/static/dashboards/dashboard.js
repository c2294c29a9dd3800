// 数据看板: draws each chart with plotly.js (served from the installed Python package) from the
// data the page carries, and sends a click on a bar or point to the list of the cases it counts.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var colours = ["#2d5b8c", "#d9822b", "#5a9e6f", "#9b59b6"];
  // Warnings read as warnings: yellow before a deadline, red after it or for what is still wrong.
  var named = {"临近期限": "#e0a800", "已逾期": "#c0392b", "未整改": "#c0392b", "已整改": "#5a9e6f",
               "未覆盖": "#c0392b", "已覆盖": "#5a9e6f", "逾期存储": "#c0392b", "按期存储": "#5a9e6f",
               "缺少天数": "#c0392b", "已保存天数": "#5a9e6f"};
  var font = {family: "Noto Sans CJK SC, Microsoft YaHei, sans-serif", size: 12};
  // Long Chinese labels (a regulation's name and article) break every eight characters.
  function wrap(label) {
    var parts = [];
    for (var i = 0; i < label.length; i += 8) parts.push(label.slice(i, i + 8));
    return parts.join("<br>");
  }
  Object.keys(data).forEach(function (key) {
    var el = document.getElementById("chart-" + key);
    var chart = data[key];
    if (!el || !chart.x.length) return;
    var traces = chart.series.map(function (s, i) {
      var colour = named[s.name] || colours[i % colours.length];
      var t = {name: s.name, x: chart.x.map(wrap), y: s.y, marker: {color: colour},
               hovertemplate: "%{x}<br>" + s.name + ":%{y}<extra></extra>"};
      if (chart.kind === "line") { t.type = "scatter"; t.mode = "lines+markers"; t.line = {color: colour}; } else { t.type = "bar"; }
      return t;
    });
    var top = Math.max.apply(null, chart.series.map(function (s) { return Math.max.apply(null, s.y); }));
    if (chart.kind === "stack") {
      top = Math.max.apply(null, chart.x.map(function (_x, j) {
        return chart.series.reduce(function (sum, s) { return sum + s.y[j]; }, 0);
      }));
    }
    var layout = {barmode: chart.kind === "stack" ? "stack" : "group", font: font, height: 320,
                  margin: {l: 40, r: 10, t: 10, b: 90}, legend: {orientation: "h", y: 1.12, traceorder: "normal"},
                  xaxis: {automargin: true, tickangle: chart.x.length > 6 ? -30 : 0}, 
                  yaxis: {rangemode: "tozero", tickformat: "d", dtick: top <= 10 ? 1 : null}};
    Plotly.newPlot(el, traces, layout, {displayModeBar: false, responsive: true});
    el.on("plotly_click", function (ev) {
      var p = ev.points[0];
      var url = chart.series[p.curveNumber].urls[p.pointIndex];
      if (url) window.location.href = url;
    });
    el.setAttribute("data-drawn", "1");
  });
})();
