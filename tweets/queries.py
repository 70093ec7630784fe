"""The numbers people read: KPIs for a period and their change against the previous one.

Shared by the dashboard and the email reports, so both always show the same numbers.
Every figure comes from the hourly rollups (gains per account, hour and context), summed
in the database; raw samples are never scanned for account-level numbers.

Periods are half-open [start, end) in UTC instants; `local_period` builds one from dates
in a person's timezone (DST-correct, since each local midnight maps to its own instant).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Sum

from .models import HourlyRollup, PollRun

ENGAGEMENT_PARTS = (
    "likes",
    "retweets",
    "replies",
    "quotes",
    "bookmarks",
    "url_clicks",
    "profile_clicks",
)
ENGAGEMENT_FORMULA = (
    "engagements = likes + reposts + replies + quotes + bookmarks + link clicks + profile"
    " clicks; engagement rate = engagements / impressions"
)
COMPLETION_FORMULA = "video completion = plays to 100 % / plays started"
SUMMED = (
    "impressions",
    *ENGAGEMENT_PARTS,
    "video_views",
    "video_starts",
    "video_completions",
)


@dataclass(frozen=True)
class Period:
    start: datetime  # aware, inclusive
    end: datetime  # aware, exclusive

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def previous(self) -> "Period":
        """The period of equal length just before this one."""
        return Period(self.start - self.length, self.start)


def local_period(first: date, last: date, tz: ZoneInfo) -> Period:
    """The local days first..last (inclusive) in `tz`, as UTC instants."""
    start = datetime.combine(first, time.min, tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
    # In UTC, so lengths are real durations (a DST day lasts 23 or 25 hours).
    return Period(start.astimezone(UTC), end.astimezone(UTC))


def last_days(days: int, tz: ZoneInfo, now: datetime) -> Period:
    """The last `days` local days, today included (today is still running)."""
    today = now.astimezone(tz).date()
    return local_period(today - timedelta(days=days - 1), today, tz)


@dataclass(frozen=True)
class KPI:
    name: str
    label: str
    value: float | None  # None: nothing was measured in the period ("—", never 0)
    previous: float | None
    is_rate: bool = False

    @property
    def change(self) -> float | None:
        """Relative change against the previous period; None when it cannot be said."""
        if self.value is None or not self.previous:
            return None
        return (self.value - self.previous) / self.previous


def totals(account_ids, period: Period, context: str = "total") -> dict[str, int] | None:
    """Sums of the hourly gains in the period, or None if no poll covered it at all."""
    polled = PollRun.objects.filter(
        account_id__in=account_ids,
        outcome=PollRun.Outcome.OK,
        started_at__gte=period.start,
        started_at__lt=period.end,
    ).exists()
    sums = HourlyRollup.objects.filter(
        account_id__in=account_ids,
        context=context,
        bucket__gte=period.start,
        bucket__lt=period.end,
    ).aggregate(**{name: Sum(name) for name in SUMMED})
    if not polled and all(value is None for value in sums.values()):
        return None
    return {name: value or 0 for name, value in sums.items()}


def _ratio(numerator, denominator) -> float | None:
    return numerator / denominator if denominator else None


def kpis_from_totals(current: dict | None, previous: dict | None) -> list[KPI]:
    def pick(values, compute):
        return None if values is None else compute(values)

    def engagements(values):
        return sum(values[name] for name in ENGAGEMENT_PARTS)

    measures = [
        ("impressions", "Impressions", lambda v: v["impressions"], False),
        ("engagements", "Engagements", engagements, False),
        (
            "engagement_rate",
            "Engagement rate",
            lambda v: _ratio(engagements(v), v["impressions"]),
            True,
        ),
        ("url_clicks", "Link clicks", lambda v: v["url_clicks"], False),
        ("profile_clicks", "Profile clicks", lambda v: v["profile_clicks"], False),
        ("video_views", "Video views", lambda v: v["video_views"], False),
        (
            "video_completion_rate",
            "Video completion",
            lambda v: _ratio(v["video_completions"], v["video_starts"]),
            True,
        ),
    ]
    return [
        KPI(name, label, pick(current, compute), pick(previous, compute), is_rate)
        for name, label, compute, is_rate in measures
    ]


def kpis(account_ids, period: Period) -> list[KPI]:
    """The overview's KPI cards: each value in the period and in the previous one."""
    return kpis_from_totals(totals(account_ids, period), totals(account_ids, period.previous))
