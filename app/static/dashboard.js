/* 首页: the hourly chart (ECharts, loaded once from our own origin), drawn from the JSON the
   figures block carries; redrawn each time HTMX swaps the block in. */
(function () {
  'use strict';

  var HOURS = [];
  for (var h = 0; h < 24; h += 1) { HOURS.push(h + '时'); }

  function yuan(fen) { return fen === null ? null : fen / 100; }

  function draw() {
    var box = document.getElementById('dash-chart');
    var source = document.getElementById('dash-data');
    if (!box || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.getInstanceByDom(box) || window.echarts.init(box);
    chart.setOption({
      animation: false,
      // Drawn on the canvas: an HTML tooltip would need inline styles, which the CSP refuses.
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      legend: { data: ['今日', '上周同日'] },
      grid: { left: 56, right: 16, top: 36, bottom: 28 },
      xAxis: { type: 'category', data: HOURS },
      yAxis: { type: 'value', name: '元' },
      series: [
        { name: '今日', type: 'bar', data: data.today.map(yuan), itemStyle: { color: '#1668dc' } },
        { name: '上周同日', type: 'line', data: data.lastWeek.map(yuan), itemStyle: { color: '#9c5a00' } }
      ]
    });
    box.setAttribute('data-drawn', data.asOf);
  }

  function start() {
    var box = document.getElementById('dash-chart');
    if (!box) { return; }
    if (window.echarts) { draw(); return; }
    var script = document.createElement('script');
    script.src = box.getAttribute('data-echarts');
    script.addEventListener('load', draw);
    document.head.appendChild(script);
  }

  if (!window.jiayouDashboard) { // once per tab: htmx runs this file again on each boosted visit
    window.jiayouDashboard = true;
    document.addEventListener('htmx:afterSwap', draw);
    window.addEventListener('resize', function () {
      var box = document.getElementById('dash-chart');
      var chart = box && window.echarts && window.echarts.getInstanceByDom(box);
      if (chart) { chart.resize(); }
    });
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
}());
