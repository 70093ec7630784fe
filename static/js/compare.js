// Compare: several Tweets' curves overlaid by age since posting, raw or as a share of each
// Tweet's final value. Data: the page's json_script; the table beside has the numbers.
import { ageAxes, byAge, colours, draw, formatCount, formatShare, readData } from "./charts.js";

const data = readData("compare-data");

if (data && data.series.length) {
  const normalised = data.scale === "normalised";
  const format = normalised ? formatShare : formatCount;
  draw("compare-chart", {
    type: "line",
    data: {
      datasets: data.series.map((tweet, i) => ({
        label: tweet.text ? `${tweet.text.slice(0, 40)}${tweet.text.length > 40 ? "…" : ""}` : String(tweet.id),
        data: byAge(tweet.age_hours, tweet.values),
        borderColor: colours.series[i % colours.series.length],
        backgroundColor: colours.series[i % colours.series.length],
        borderWidth: 2,
        pointRadius: 0,
      })),
    },
    options: {
      interaction: { mode: "nearest", intersect: false },
      // Up to the oldest age seen (a young Tweet's curve would be lost in a 30-day axis).
      scales: ageAxes(Math.min(data.window_hours, Math.max(1, ...data.series.flatMap((t) => t.age_hours))), format),
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${format(c.raw.y)}` } } },
    },
  });
}
