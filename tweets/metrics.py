"""The metric registry: every metric metricsdash keeps, in one list.

Each entry names a metric as the database, X's wire format and people say it, and whether
X splits it into organic and promoted and whether the hourly rollups keep its gains. The
models' columns, the poller's parsing, the queries, the CSV exports, the table headers and
the reports all derive from these tuples: adding a metric is one entry here plus a
migration (`tests/tweets/test_metrics.py` shows every list follows the registry).

Missing is not zero: a metric X did not return is NULL and shows as `MISSING`.
"""

from dataclasses import dataclass

MISSING = "—"
CONTEXTS = ("total", "organic", "promoted")
SPLIT_CONTEXTS = ("organic", "promoted")


@dataclass(frozen=True)
class Metric:
    """One count X reports about a Tweet or a video."""

    name: str  # the sample column (and, for Tweets, the rollup column)
    wire: str  # X's field name in public_metrics, non_public_metrics, organic_/promoted_metrics
    label: str  # what people read
    split: bool = True  # X also reports it under organic_metrics and promoted_metrics
    rollup: str | None = None  # the hourly rollup column that keeps its gains, if any
    engagement: bool = False  # counted in "engagements"

    @property
    def columns(self) -> tuple[str, ...]:
        """Its sample columns: the total, then organic_ and promoted_ where X splits it."""
        if not self.split:
            return (self.name,)
        return (self.name, *(f"{context}_{self.name}" for context in SPLIT_CONTEXTS))

    def column(self, context: str) -> str:
        """The sample column of this metric in a context ("total", "organic", "promoted")."""
        return self.name if context == "total" else f"{context}_{self.name}"


# A Tweet's metrics, in the order tables show them.
TWEET_METRICS = (
    Metric("impressions", "impression_count", "Impressions", rollup="impressions"),
    Metric("likes", "like_count", "Likes", rollup="likes", engagement=True),
    Metric("retweets", "retweet_count", "Reposts", rollup="retweets", engagement=True),
    Metric("replies", "reply_count", "Replies", rollup="replies", engagement=True),
    Metric("quotes", "quote_count", "Quotes", split=False, rollup="quotes", engagement=True),
    Metric(
        "bookmarks", "bookmark_count", "Bookmarks", split=False, rollup="bookmarks", engagement=True
    ),
    Metric("url_clicks", "url_link_clicks", "Link clicks", rollup="url_clicks", engagement=True),
    Metric(
        "profile_clicks",
        "user_profile_clicks",
        "Profile clicks",
        rollup="profile_clicks",
        engagement=True,
    ),
)

# A video's metrics: views and the five playback quartiles (the funnel).
VIDEO_METRICS = (
    Metric("views", "view_count", "Video views", rollup="video_views"),
    Metric("playback_0", "playback_0_count", "0 %", rollup="video_starts"),
    Metric("playback_25", "playback_25_count", "25 %"),
    Metric("playback_50", "playback_50_count", "50 %"),
    Metric("playback_75", "playback_75_count", "75 %"),
    Metric("playback_100", "playback_100_count", "100 %", rollup="video_completions"),
)


def sample_columns(metrics) -> tuple[str, ...]:
    """A sample table's metric columns: totals, then organic_*, then promoted_*."""
    names = [m.name for m in metrics]
    for context in SPLIT_CONTEXTS:
        names += [m.column(context) for m in metrics if m.split]
    return tuple(names)


TWEET_SAMPLE_COLUMNS = sample_columns(TWEET_METRICS)
VIDEO_SAMPLE_COLUMNS = sample_columns(VIDEO_METRICS)
# The hourly rollups' gain columns, Tweet metrics first.
ROLLUP_COLUMNS = tuple(m.rollup for m in (*TWEET_METRICS, *VIDEO_METRICS) if m.rollup)
ENGAGEMENT_PARTS = tuple(m.name for m in TWEET_METRICS if m.engagement)
# Labels of everything a table or chart can name, Tweet metrics and derived measures.
LABELS = {
    **{m.name: m.label for m in TWEET_METRICS},
    "engagements": "Engagements",
    "engagement_rate": "Engagement rate",
    "video_views": "Video views",
    "video_starts": "Plays started",
    "video_completions": "Plays to 100 %",
    "video_completion_rate": "Video completion",
}
ENGAGEMENT_FORMULA = (
    "engagements = "
    + " + ".join(LABELS[name].lower() for name in ENGAGEMENT_PARTS)
    + "; engagement rate = engagements / impressions"
)
COMPLETION_FORMULA = "video completion = plays to 100 % / plays started"

# One colour table for the browser's charts (Chart.js, handed over with json_script) and
# the email's PNG (matplotlib).
COLOURS = {
    "organic": "#0b5cad",
    "promoted": "#d97706",
    "unsplit": "#9aa5b1",
    "previous": "#c9d3dd",
    "line": "#0b5cad",
    "text": "#59636e",
    "grid": "#eaeef2",
    "up": "#1a7f37",
    "down": "#b42318",
    "series": (
        "#0b5cad",
        "#d97706",
        "#1a7f37",
        "#8250df",
        "#b42318",
        "#0e7490",
        "#6e7781",
        "#bf3989",
        "#953800",
        "#1b1f24",
    ),
}


# --- How numbers read, on pages and in emails -------------------------------------------


def format_count(value) -> str:
    """12345 -> "12,345"; 2.5 -> "2.5"; None -> "—"."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def format_rate(value, digits: int = 1) -> str:
    """0.0321 -> "3.2 %"; None -> "—"."""
    if value is None:
        return MISSING
    return f"{value * 100:.{int(digits)}f} %"


def format_change(value) -> str:
    """A relative change with its sign: 0.12 -> "+12 %", 0.001 -> "±0 %"; a fall gets a true
    minus sign; None (cannot be said) -> "—"."""
    if value is None:
        return MISSING
    rounded = round(value * 100)
    if rounded == 0:
        return "±0 %"
    return f"+{rounded} %" if rounded > 0 else f"\N{MINUS SIGN}{-rounded} %"


def trend(value) -> str:
    """A change's direction: "up", "down" or "flat" (rounds to ±0 %, or unknown)."""
    if value is None or round(value * 100) == 0:
        return "flat"
    return "up" if value > 0 else "down"
