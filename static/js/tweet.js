// A Tweet's page: growth curves by age for every metric, gains per hour, organic versus
// promoted, and for each video its quartile funnel and views. Data: the page's json_script.
import { ageAxes, byAge, colours, draw, formatCount, formatShare, readData } from "./charts.js";

const data = readData("tweet-data");

if (data) {
  const { series, gains, videos, labels } = data;
  const ages = series.age_hours;
  const maxAge = ages.length ? Math.max(...ages) : 1;

  for (const name of Object.keys(labels)) {
    draw(`cumulative-${name}`, {
      type: "line",
      data: {
        datasets: [{
          label: labels[name],
          data: byAge(ages, series.metrics[name]),
          borderColor: colours.line,
          borderWidth: 2,
          pointRadius: 0,
        }],
      },
      options: { scales: ageAxes(maxAge), plugins: { legend: { display: false } } },
    });
  }

  draw("gains-chart", {
    type: "bar",
    data: { labels: gains.labels, datasets: [{ label: `Gained per ${gains.interval}`, data: gains.gains, backgroundColor: colours.organic }] },
    options: {
      scales: {
        x: { grid: { display: false }, ticks: { autoSkip: true, maxTicksLimit: 8, maxRotation: 0 } },
        y: { beginAtZero: true, ticks: { callback: formatCount, maxTicksLimit: 5 } },
      },
      plugins: { legend: { display: false } },
    },
  });

  draw("split-chart", {
    type: "line",
    data: {
      datasets: [
        { label: "Organic", data: byAge(ages, series.metrics.organic_impressions), borderColor: colours.organic, backgroundColor: `${colours.organic}33`, fill: "origin", pointRadius: 0 },
        { label: "Promoted", data: byAge(ages, series.metrics.promoted_impressions), borderColor: colours.promoted, backgroundColor: `${colours.promoted}33`, fill: "-1", pointRadius: 0 },
      ],
    },
    options: { scales: { ...ageAxes(maxAge), y: { stacked: true, beginAtZero: true, ticks: { callback: formatCount } } } },
  });

  videos.forEach((video, i) => {
    draw(`funnel-${i}`, {
      type: "bar",
      data: {
        labels: video.funnel.map((step) => step.step),
        datasets: [{ label: "Plays reaching", data: video.funnel.map((step) => step.count), backgroundColor: colours.organic }],
      },
      options: {
        scales: { y: { beginAtZero: true, ticks: { callback: formatCount } }, x: { grid: { display: false } } },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (c) => `${formatCount(c.raw)} plays, ${formatShare(video.funnel[c.dataIndex].retention)} of starts` } },
        },
      },
    });
    const views = video.views_over_time;
    draw(`views-${i}`, {
      type: "line",
      data: { datasets: [{ label: "Views", data: byAge(views.age_hours, views.views), borderColor: colours.line, pointRadius: 0 }] },
      options: { scales: ageAxes(Math.max(1, ...views.age_hours)), plugins: { legend: { display: false } } },
    });
  });
}
