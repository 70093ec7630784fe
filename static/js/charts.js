// What every dashboard page shares: Chart.js settings in the calm style (no animation,
// axes from zero), reading the data a page hands over with json_script, number formats,
// and a registry of drawn charts (window.metricsdashCharts) that tests and the console read.

const Chart = window.Chart;

// One colour table for the pages and the email's chart: tweets.metrics.COLOURS, which
// every page that draws charts hands over as json_script ({% chart_colours %}).
export const colours = readData("chart-colours");

if (Chart) {
  Chart.defaults.animation = false;
  Chart.defaults.font.family = getComputedStyle(document.documentElement).fontFamily;
  Chart.defaults.color = colours.text;
  Chart.defaults.borderColor = colours.grid;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
}

/** The JSON a page handed over with Django's json_script. */
export function readData(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

/** Draw a chart on the canvas with this id and remember it; null when there is no canvas. */
export function draw(canvasId, config) {
  const canvas = document.getElementById(canvasId);
  if (!canvas || !Chart) return null;
  const chart = new Chart(canvas, config);
  window.metricsdashCharts = window.metricsdashCharts || {};
  window.metricsdashCharts[canvasId] = chart;
  return chart;
}

const numberFormat = new Intl.NumberFormat("en-US");

/** 12345 -> "12,345"; a missing value is "—", never 0. */
export function formatCount(value) {
  return value === null || value === undefined ? "—" : numberFormat.format(value);
}

export function formatShare(value) {
  return value === null || value === undefined ? "—" : `${Math.round(value * 100)} %`;
}

/** An age in hours as people say it: "45 min", "6 h", "3 d". */
export function formatAge(hours) {
  if (hours < 1) return `${Math.round(hours * 60)} min`;
  if (hours < 48) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.round((hours / 24) * 10) / 10} d`;
}

/** Points {x: age in hours, y: value} of a series. */
export function byAge(ages, values) {
  return ages.map((age, i) => ({ x: age, y: values[i] }));
}

/** Options of a line chart whose x axis is the age since posting, in hours. */
export function ageAxes(maxHours, yFormat = formatCount) {
  return {
    x: {
      type: "linear",
      min: 0,
      max: maxHours,
      ticks: { callback: (value) => formatAge(value), maxTicksLimit: 6 },
      title: { display: true, text: "age since posting" },
    },
    y: { beginAtZero: true, ticks: { callback: (value) => yFormat(value), maxTicksLimit: 5 } },
  };
}
