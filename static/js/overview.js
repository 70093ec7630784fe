// The overview: impressions over time (organic / promoted / not split, stacked) and
// engagements by kind. Numbers come from the page's json_script; the tables carry them too.
import { colours, draw, formatCount, readData } from "./charts.js";

const data = readData("overview-data");

if (data) {
  const { series, engagements } = data;
  const partial = series.partial_index;
  // The bucket still running is drawn lighter (its total will grow).
  const shade = (colour) => series.labels.map((_, i) => (i === partial ? `${colour}66` : colour));
  const datasets = [
    { label: "Organic", data: series.series.organic, backgroundColor: shade(colours.organic) },
    { label: "Promoted", data: series.series.promoted, backgroundColor: shade(colours.promoted) },
  ];
  if (series.series.unsplit.some((value) => value)) {
    datasets.push({ label: "Not split", data: series.series.unsplit, backgroundColor: shade(colours.unsplit) });
  }
  draw("impressions-chart", {
    type: "bar",
    data: { labels: series.labels, datasets },
    options: {
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { stacked: true, grid: { display: false }, ticks: { autoSkip: true, maxTicksLimit: 8, maxRotation: 0 } },
        y: { stacked: true, beginAtZero: true, ticks: { callback: formatCount, maxTicksLimit: 5 } },
      },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${formatCount(c.raw)}` } } },
    },
  });

  draw("engagements-chart", {
    type: "bar",
    data: {
      labels: engagements.map((e) => e.label),
      datasets: [
        { label: "This period", data: engagements.map((e) => e.value), backgroundColor: colours.organic },
        { label: "Previous period", data: engagements.map((e) => e.previous), backgroundColor: colours.previous },
      ],
    },
    options: {
      indexAxis: "y",
      scales: { x: { beginAtZero: true, ticks: { callback: formatCount, maxTicksLimit: 5 } }, y: { grid: { display: false } } },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${formatCount(c.raw)}` } } },
    },
  });
}

// Choosing dates means a custom period (without JavaScript, pick "Custom" yourself).
const period = document.getElementById("pick-period");
for (const id of ["pick-start", "pick-end"]) {
  document.getElementById(id)?.addEventListener("change", () => {
    if (period) period.value = "custom";
  });
}
