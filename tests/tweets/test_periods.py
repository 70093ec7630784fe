"""Periods in a person's timezone: local days as UTC instants, across a DST change."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tweets import periods


def test_local_period_across_dst():
    tz = ZoneInfo("Europe/Berlin")  # clocks go back on 2026-10-25
    period = periods.local_period(date(2026, 10, 25), date(2026, 10, 25), tz)
    assert period.length == timedelta(hours=25)
    assert period.start == datetime(2026, 10, 24, 22, 0, tzinfo=ZoneInfo("UTC"))
    assert period.previous.length == timedelta(hours=25)
