"""Periods and their buckets, in a person's timezone: shared by the dashboard and the reports.

A period is half-open [start, end) in UTC instants; `local_period` builds one from dates in
a person's timezone (DST-correct, since each local midnight maps to its own instant). A
chart's buckets are the rollups' UTC hours or local days, and no series carries more than
MAX_POINTS points, whatever the range (DESIGN.md section 8).
"""

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_POINTS = 2000
INTERVALS = ("hour", "day")


class TooManyPoints(ValueError):
    """A series asked for at a resolution that would exceed MAX_POINTS."""


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


def hour_of(moment: datetime) -> datetime:
    """The start of the UTC hour holding `moment` (the rollups' bucket)."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The instant a local day starts, in UTC."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC)


def bucket_starts(start: datetime, end: datetime, tz: ZoneInfo, interval: str) -> list:
    """Starts of the hour (UTC hours, as the rollups keep them) or local-day buckets that
    cover [start, end), in UTC; a local day lasts 23 or 25 hours across a DST change."""
    starts = []
    if interval == "hour":
        moment = hour_of(start)
        step = timedelta(hours=1)
        if moment < start:
            moment += step  # a half-hour zone's midnight: the rollups' next whole hour
        limit = (end - moment) / step
        if limit > MAX_POINTS:
            raise TooManyPoints(f"{int(limit):,} hourly points; the limit is {MAX_POINTS:,}")
        while moment < end:
            starts.append(moment)
            moment += step
        return starts
    day = start.astimezone(tz).date()
    if (end - start).days > MAX_POINTS:
        raise TooManyPoints(f"{(end - start).days:,} daily points; the limit is {MAX_POINTS:,}")
    while (moment := local_midnight(day, tz)) < end:
        starts.append(moment)
        day += timedelta(days=1)
    return starts


def bucket_span(start: datetime, end: datetime, tz: ZoneInfo, interval: str) -> tuple:
    """The first and last of bucket_starts' buckets, for SQL to step through with
    generate_series: UTC hours as instants, local days as dates (each day's start is
    `day AT TIME ZONE tz` there). TooManyPoints past MAX_POINTS, as bucket_starts."""
    if interval == "hour":
        step = timedelta(hours=1)
        first = hour_of(start)
        if first < start:
            first += step  # a half-hour zone's midnight: the rollups' next whole hour
        if (end - first) / step > MAX_POINTS:
            raise TooManyPoints(
                f"{int((end - first) / step):,} hourly points; the limit is {MAX_POINTS:,}"
            )
        return first, hour_of(end - timedelta(microseconds=1))
    if (end - start).days > MAX_POINTS:
        raise TooManyPoints(f"{(end - start).days:,} daily points; the limit is {MAX_POINTS:,}")
    return start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()


def auto_interval(period: Period) -> str:
    """Hourly for a week or less (a DST week has one hour more), daily beyond."""
    return "hour" if period.length <= timedelta(days=7, hours=1) else "day"


def bucket_label(start: datetime, tz: ZoneInfo, interval: str) -> str:
    """A bucket's start in local words; the hour that happens twice when clocks go back
    says which one it is (02:00 CEST, then 02:00 CET)."""
    local = start.astimezone(tz)
    if interval != "hour":
        return f"{local:%a %d %b}"
    twice = local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()
    return f"{local:%a %d %b %H:%M}" + (f" {local:%Z}" if twice else "")


@functools.lru_cache(maxsize=20_000)
def _label(start: datetime, tz: ZoneInfo, interval: str) -> str:
    return bucket_label(start, tz, interval)


def labels(starts: list, tz: ZoneInfo, interval: str) -> list[str]:
    """The buckets' labels: the same hours and days come back request after request (the
    last 7, 30 or 90 days, a Tweet's life), so each one is worded once and remembered."""
    return [_label(start, tz, interval) for start in starts]


def partial_index(starts: list, end: datetime, last_poll: datetime | None) -> int | None:
    """The index of the bucket still filling: the one that holds the last poll, or None."""
    if last_poll is None:
        return None
    ends = [*starts[1:], end]
    return next(
        (i for i, (s, e) in enumerate(zip(starts, ends, strict=True)) if s <= last_poll < e), None
    )
