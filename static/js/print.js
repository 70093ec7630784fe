// Charts draw at the screen's width; printing resizes them to the paper's, and back.
function resizeCharts() {
  for (const chart of Object.values(window.metricsdashCharts || {})) chart.resize();
}
window.addEventListener("beforeprint", resizeCharts);
window.addEventListener("afterprint", resizeCharts);
