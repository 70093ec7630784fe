"""When reports go out and which period each one covers, in the person's timezone.

Everything is computed on local calendar dates and turned into UTC instants with zoneinfo,
so a report set for 08:00 goes out at 08:00 local time on both sides of a DST change, and
a period is whole local days (a week with a DST change lasts 167 or 169 hours).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tweets.periods import Period, local_period

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
FREQUENCIES = (DAILY, WEEKLY, MONTHLY)
ONE_DAY = timedelta(days=1)


def _is_send_day(frequency: str, day: date) -> bool:
    """Daily reports go out every day, weekly ones on Mondays, monthly ones on the 1st."""
    if frequency == DAILY:
        return True
    if frequency == WEEKLY:
        return day.weekday() == 0
    return day.day == 1


def next_send_at(frequency: str, local_hour: int, tz: ZoneInfo, after: datetime) -> datetime:
    """The first send time strictly after `after`: `local_hour`:00 local on a send day, UTC.

    A local hour that does not exist that day (clocks jump forward) maps to the hour after
    the jump; one that exists twice (clocks go back) is its first occurrence.
    """
    day = after.astimezone(tz).date()
    for _ in range(40):  # a monthly send day is at most 31 days away
        if _is_send_day(frequency, day):
            moment = datetime.combine(day, time(local_hour), tzinfo=tz).astimezone(UTC)
            if moment > after:
                return moment
        day += ONE_DAY
    raise AssertionError("no send day within 40 days")  # unreachable for valid frequencies


def _bounds_before(frequency: str, day: date) -> tuple[date, date]:
    """First and last day of the last complete period before the one containing `day`."""
    if frequency == DAILY:
        return day - ONE_DAY, day - ONE_DAY
    if frequency == WEEKLY:
        monday = day - timedelta(days=day.weekday())
        return monday - timedelta(days=7), monday - ONE_DAY
    last = day.replace(day=1) - ONE_DAY
    return last.replace(day=1), last


@dataclass(frozen=True)
class ReportPeriod:
    """A day, a Monday-to-Sunday week or a calendar month of local dates in one timezone."""

    frequency: str
    first: date
    last: date
    tz: ZoneInfo

    @property
    def period(self) -> Period:
        """The same local days as a half-open interval of UTC instants (tweets.periods)."""
        return local_period(self.first, self.last, self.tz)

    @property
    def previous(self) -> "ReportPeriod":
        """The calendar period before this one (the day, week or month before)."""
        return period_before(self.frequency, self.first, self.tz)

    @property
    def interval(self) -> str:
        """Chart and CSV buckets: hours for a daily report, local days otherwise."""
        return "hour" if self.frequency == DAILY else "day"

    @property
    def label(self) -> str:
        """'Tuesday 3 November 2026', '26 October - 1 November 2026' (an en dash) or
        'October 2026'."""
        if self.frequency == DAILY:
            return f"{self.first:%A} {self.first.day} {self.first:%B %Y}"
        if self.frequency == MONTHLY:
            return f"{self.first:%B %Y}"
        first = f"{self.first.day} {self.first:%B}"
        if self.first.year != self.last.year:
            first += f" {self.first.year}"
        return f"{first} \N{EN DASH} {self.last.day} {self.last:%B %Y}"

    @property
    def name(self) -> str:
        """The period as a reader calls it on the morning after: 'yesterday', 'last week'."""
        return {DAILY: "yesterday", WEEKLY: "last week", MONTHLY: "last month"}[self.frequency]

    @property
    def unit(self) -> str:
        return {DAILY: "day", WEEKLY: "week", MONTHLY: "month"}[self.frequency]

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def period_before(frequency: str, day: date, tz: ZoneInfo) -> ReportPeriod:
    """The last complete period that ends before the one containing the local date `day`."""
    first, last = _bounds_before(frequency, day)
    return ReportPeriod(frequency, first, last, tz)


def report_period(frequency: str, tz: ZoneInfo, now: datetime) -> ReportPeriod:
    """The period a report sent at `now` covers: the last one that has fully ended locally."""
    return period_before(frequency, now.astimezone(tz).date(), tz)


def period_from_instants(frequency: str, start: datetime, end: datetime, tz: ZoneInfo):
    """The ReportPeriod whose UTC instants are [start, end) in `tz` (a ledger row's key)."""
    first = start.astimezone(tz).date()
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    return ReportPeriod(frequency, first, last, tz)
