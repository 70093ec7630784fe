"""The report's chart: impressions per day (or hour) as a PNG, drawn on the server.

matplotlib's Agg renderer through a bare Figure (no pyplot, so no global state and no
display): organic, promoted and not-split impressions stacked, the period before as a
faded dashed line, the axis from zero. `describe` says the same in words, for the alt
text and for clients that block images.
"""

import io
import math

from tweets.metrics import COLOURS

from .schedule import ReportPeriod

# The browser's colours (tweets.metrics.COLOURS): the same series look the same everywhere.
STACKS = (
    ("organic", "Organic", COLOURS["organic"]),
    ("promoted", "Promoted", COLOURS["promoted"]),
    ("unsplit", "Not split (older than 30 days)", COLOURS["unsplit"]),
)
# A dashed line over the bars: drawn in the text colour, faded, so it reads as "before".
PREVIOUS_COLOUR = COLOURS["text"]


def _tick(start, period: ReportPeriod) -> str:
    local = start.astimezone(period.tz)
    if period.interval == "hour":
        return f"{local:%H:%M}"
    if period.days <= 7:
        return f"{local:%a} {local.day}"
    return str(local.day)


def describe(series: dict, period: ReportPeriod) -> str:
    """The chart in one sentence: what it shows, the total and the busiest bucket."""
    per = "hour" if period.interval == "hour" else "day"
    totals = series["series"]["total"]
    measured = [(v, s) for v, s in zip(totals, series["starts"], strict=True) if v is not None]
    text = f"Chart: impressions per {per}, {period.label}"
    if not measured:
        return text + ": nothing was measured."
    total = sum(v for v, _ in measured)
    value, start = max(measured, key=lambda pair: pair[0])
    local = start.astimezone(period.tz)
    when = f"at {local:%H:%M}" if per == "hour" else f"on {local:%A} {local.day} {local:%B}"
    return f"{text}: {total:,} in total, the most {when} ({value:,})."


def render_png(series: dict, previous: dict | None, period: ReportPeriod) -> bytes | None:
    """The chart as PNG bytes (1200 x 520 pixels, shown at 600 wide), or None when nothing
    was measured in the period."""
    if all(value is None for value in series["series"]["total"]):
        return None
    from matplotlib.figure import Figure  # imported here: only workers that send need it
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure = Figure(figsize=(6, 2.6), dpi=200)
    axes = figure.subplots()
    positions = list(range(len(series["starts"])))
    bottom = [0] * len(positions)
    for context, label, colour in STACKS:
        values = [value or 0 for value in series["series"][context]]
        if not any(values):
            continue
        axes.bar(positions, values, bottom=bottom, color=colour, label=label, width=0.8)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    before = []
    if previous is not None and any(v is not None for v in previous["series"]["total"]):
        # The period before, bucket by bucket (a DST day has one hour more or less).
        before = [math.nan if v is None else v for v in previous["series"]["total"]]
        before = before[: len(positions)]
        axes.plot(
            positions[: len(before)],
            before,
            color=PREVIOUS_COLOUR,
            alpha=0.6,
            linestyle="--",
            linewidth=1.2,
            label=f"The {period.unit} before",
        )
    # Headroom above the highest bar or point, where the legend sits.
    peak = max([*bottom, *(v for v in before if not math.isnan(v))], default=0)
    axes.set_ylim(bottom=0, top=max(peak * 1.3, 1))
    axes.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    step = 3 if period.interval == "hour" else (1 if period.days <= 7 else 5)
    axes.set_xticks(positions[::step], [_tick(s, period) for s in series["starts"][::step]])
    axes.tick_params(labelsize=7, length=0)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="y", color=COLOURS["grid"], linewidth=0.6)
    axes.set_axisbelow(True)
    axes.legend(fontsize=7, frameon=False, loc="upper left", ncols=2)
    axes.set_title(
        f"Impressions per {'hour' if period.interval == 'hour' else 'day'}", fontsize=9, loc="left"
    )
    figure.tight_layout()
    out = io.BytesIO()
    # No software/version metadata: the same numbers always give the same bytes.
    figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
