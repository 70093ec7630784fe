"""What a report says: one person's accounts over one period, from tweets.rollups.

Every number comes from the dashboard's own queries (KPIs from the hourly rollups, net
follows from tweets.audience, the impressions chart from account_series, top Tweets from
top_tweets), so the email and the dashboard never disagree. The change is against the
calendar period before (the day, the Monday-to-Sunday week or the month before).
"""

import io
from dataclasses import dataclass, field
from datetime import timedelta

from accounts.models import XAccount
from tweets import audience, rollups, timing
from tweets.exports import csv_row, csv_writer
from tweets.metrics import LABELS, SPLIT_CONTEXTS, TWEET_METRICS, VIDEO_METRICS

from .schedule import DAILY, ReportPeriod

TOP_TWEETS = 5
TOP_VIDEOS = 3
# How far back the weekly and monthly reports look for the best time to post.
BEST_SLOT_HISTORY = timedelta(days=90)
# The CSV's columns after the bucket and the account, (header, series metric, context):
# impressions with their organic / promoted split, engagements, then every other metric the
# rollups keep; Tweet metrics by their label ("reposts"), video ones by column ("video starts").
CSV_COLUMNS = (
    ("impressions", "impressions", "total"),
    *((f"{context} impressions", "impressions", context) for context in SPLIT_CONTEXTS),
    ("engagements", "engagements", "total"),
    *(
        (LABELS[m.name].lower(), m.rollup, "total")
        for m in TWEET_METRICS
        if m.rollup and m.name != "impressions"
    ),
    *((m.rollup.replace("_", " "), m.rollup, "total") for m in VIDEO_METRICS if m.rollup),
)


@dataclass
class Report:
    """Everything one report message shows, computed once and rendered three ways."""

    period: ReportPeriod
    accounts: list[XAccount]
    kpis: list[rollups.KPI]
    top_tweets: list[dict]
    top_videos: list[dict]
    series: dict  # rollups.account_series for impressions, this period
    previous_series: dict  # the same for the period before
    csv_rows: list[list] = field(default_factory=list)
    best_slot: timing.Slot | None = None  # weekly and monthly, with enough history

    @property
    def best_slot_line(self) -> str:
        """One line naming the best time to post, or "" without enough history."""
        slot = self.best_slot
        if slot is None:
            return ""
        return (
            f"Best time to post over the last {BEST_SLOT_HISTORY.days} days: {slot.label}"
            f" ({self.period.tz.key}), a median of {int(slot.median_impressions):,}"
            f" impressions in a Tweet's first 24 hours ({slot.tweets} Tweets)."
        )

    @property
    def kpi(self) -> dict[str, rollups.KPI]:
        return {k.name: k for k in self.kpis}

    @property
    def measured(self) -> bool:
        """Whether any poll covered the period (else every number is "—")."""
        return self.kpi["impressions"].value is not None

    @property
    def has_videos(self) -> bool:
        return bool(self.top_videos) or bool(self.kpi["video_views"].value)

    @property
    def buckets(self) -> list[tuple[str, int | None]]:
        """The chart's numbers as (label, impressions), for text and alt text."""
        return list(zip(self.series["labels"], self.series["series"]["total"], strict=True))

    @property
    def account_names(self) -> str:
        names = [f"@{a.username}" for a in self.accounts]
        if not names:
            return "your accounts"
        if len(names) > 3:
            return f"{len(names)} accounts"
        return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else names[0]

    @property
    def summary(self) -> str:
        """The one sentence at the top: reach, its change, and the best Tweet."""
        period = self.period
        if not self.measured:
            return (
                f"No poll of {self.account_names} covered {period.name} ({period.label}), "
                "so there are no numbers for it."
            )
        impressions = self.kpi["impressions"]
        sentence = (
            f"Your Tweets on {self.account_names} were seen {int(impressions.value):,} "
            f"time{'s' if impressions.value != 1 else ''} {period.name}"
        )
        if impressions.change is not None:
            more = "more" if impressions.change >= 0 else "fewer"
            share = abs(impressions.change) * 100
            sentence += f", {share:.0f} % {more} than the {period.unit} before"
        best = next((t for t in self.top_tweets if t["impressions"]), None)
        if best is not None:
            sentence += (
                f"; your best new Tweet, “{short(best['text'], 60)}”, "
                f"was seen {best['impressions']:,} times"
            )
        return sentence + "."


def short(text: str, length: int = 80) -> str:
    """A Tweet's text on one line, cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    return text[: length - 1].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def _csv_rows(accounts, period: ReportPeriod) -> list[list]:
    """One row per bucket (local hour or day) and account: the period's data, unrounded.

    An empty cell means nothing was measured for that bucket, never zero.
    """
    header = [f"{period.interval} ({period.tz.key})", "account"]
    header += [name for name, _, _ in CSV_COLUMNS]
    rows = [header]
    for account in accounts:
        by_metric = {
            metric: rollups.account_series(
                [account.pk], period.period, period.tz, metric, period.interval
            )
            for metric in {metric for _, metric, _ in CSV_COLUMNS}
        }
        starts = by_metric["impressions"]["starts"]
        for index, start in enumerate(starts):
            local = start.astimezone(period.tz)
            row = [local.isoformat(), account.username]
            for _, metric, context in CSV_COLUMNS:
                value = by_metric[metric]["series"][context][index]
                row.append(value)
            rows.append(row)
    return rows


def csv_bytes(rows: list[list]) -> bytes:
    """The attachment: every cell neutralised as in the dashboard's exports."""
    out = io.StringIO()
    csv_writer(out, lineterminator="\r\n").writerows(csv_row(row) for row in rows)
    return out.getvalue().encode()


def build_report(accounts: list[XAccount], period: ReportPeriod) -> Report:
    """Compute a report over `accounts` for `period` (a few dozen small rollup queries)."""
    ids = [a.pk for a in accounts]
    current = period.period
    previous = period.previous.period
    totals, totals_before = rollups.totals(ids, current), rollups.totals(ids, previous)
    kpis = [
        *rollups.kpis_from_totals(totals, totals_before),
        *audience.audience_kpis(ids, current, totals, totals_before),
    ]
    best_slot = None
    if period.frequency != DAILY:
        best = timing.best_slots(ids, period.tz, current.end - BEST_SLOT_HISTORY, current.end)
        best_slot = best.best[0] if best.best else None
    return Report(
        period=period,
        best_slot=best_slot,
        accounts=accounts,
        kpis=kpis,
        top_tweets=rollups.top_tweets(ids, current, "impressions", limit=TOP_TWEETS),
        top_videos=rollups.top_videos(ids, current, limit=TOP_VIDEOS),
        series=rollups.account_series(ids, current, period.tz, "impressions", period.interval),
        previous_series=rollups.account_series(
            ids, previous, period.tz, "impressions", period.interval
        ),
        csv_rows=_csv_rows(accounts, period),
    )
