// 数据看板: draws each chart with plotly.js (served from the installed Python package) from the
// data the page carries, and sends a click on a bar or point to the list of the cases it counts.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var colours = ["#2d5b8c", "#d9822b", "#5a9e6f", "#9b59b6"];
  var font = {family: "Noto Sans CJK SC, Microsoft YaHei, sans-serif", size: 12};
  Object.keys(data).forEach(function (key) {
    var el = document.getElementById("chart-" + key);
    var chart = data[key];
    if (!el || !chart.x.length) return;
    var traces = chart.series.map(function (s, i) {
      var t = {name: s.name, x: chart.x, y: s.y, marker: {color: colours[i % colours.length]},
               hovertemplate: "%{x}<br>" + s.name + ":%{y}<extra></extra>"};
      if (chart.kind === "line") { t.type = "scatter"; t.mode = "lines+markers"; } else { t.type = "bar"; }
      return t;
    });
    var layout = {barmode: chart.kind === "stack" ? "stack" : "group", font: font, height: 320,
                  margin: {l: 40, r: 10, t: 10, b: 90}, legend: {orientation: "h", y: 1.12},
                  xaxis: {automargin: true, tickangle: chart.x.length > 4 ? -30 : 0}, yaxis: {rangemode: "tozero"}};
    Plotly.newPlot(el, traces, layout, {displayModeBar: false, responsive: true});
    el.on("plotly_click", function (ev) {
      var p = ev.points[0];
      var url = chart.series[p.curveNumber].urls[p.pointIndex];
      if (url) window.location.href = url;
    });
    el.setAttribute("data-drawn", "1");
  });
})();
