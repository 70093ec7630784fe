// The overview: impressions over time (organic / promoted / not split, stacked), followers
// with net follows and the Tweets posted, and engagements by kind. Numbers come from the
// page's json_script; the tables carry them too.
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

  // Followers as a line, net follows as bars on their own axis, and the buckets in which
  // Tweets were posted marked on the follower line (same category axis as everything else).
  const audience = data.audience;
  const marks = audience.followers.map((value, i) => (audience.posts[i] ? value : null));
  draw("followers-chart", {
    data: {
      labels: audience.labels,
      datasets: [
        { type: "line", label: "Followers", data: audience.followers, borderColor: colours.line, backgroundColor: colours.line, pointRadius: 0, spanGaps: false, yAxisID: "y" },
        { type: "line", label: "Tweets posted", data: marks, showLine: false, pointStyle: "triangle", pointRadius: 5, borderColor: colours.promoted, backgroundColor: colours.promoted, yAxisID: "y" },
        { type: "bar", label: "Net follows", data: audience.net_follows, backgroundColor: colours.previous, yAxisID: "net" },
      ],
    },
    options: {
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { grid: { display: false }, ticks: { autoSkip: true, maxTicksLimit: 8, maxRotation: 0 } },
        y: { position: "left", ticks: { callback: formatCount, maxTicksLimit: 5 }, title: { display: true, text: "followers" } },
        net: { position: "right", grid: { display: false }, ticks: { callback: formatCount, maxTicksLimit: 5 }, title: { display: true, text: "net follows" } },
      },
      plugins: {
        tooltip: {
          callbacks: {
            label: (c) =>
              c.dataset.label === "Tweets posted"
                ? `Tweets posted: ${audience.posts[c.dataIndex]}`
                : `${c.dataset.label}: ${formatCount(c.raw)}`,
          },
        },
      },
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
