"""Send times and report periods in the person's timezone, across DST changes."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.schedule import next_send_at, period_from_instants, report_period

BERLIN = ZoneInfo("Europe/Berlin")  # clocks go back on 2026-10-25, forward on 2026-03-29
NEW_YORK = ZoneInfo("America/New_York")  # clocks go back on 2026-11-01


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("frequency", "hour", "tz", "after", "expected"),
    [
        # Weekly on Mondays at 08:00 Berlin: 06:00 UTC in summer time, 07:00 in winter time.
        ("weekly", 8, BERLIN, utc(2026, 10, 14, 12), utc(2026, 10, 19, 6)),
        ("weekly", 8, BERLIN, utc(2026, 10, 19, 6), utc(2026, 10, 26, 7)),
        # Daily at 07:00 New York: 11:00 UTC in EDT, 12:00 UTC in EST.
        ("daily", 7, NEW_YORK, utc(2026, 10, 31, 10, 59), utc(2026, 10, 31, 11)),
        ("daily", 7, NEW_YORK, utc(2026, 10, 31, 11), utc(2026, 11, 1, 12)),
        # Monthly on the 1st at 09:00.
        ("monthly", 9, BERLIN, utc(2026, 10, 1, 7), utc(2026, 11, 1, 8)),
        ("monthly", 9, BERLIN, utc(2026, 9, 30, 12), utc(2026, 10, 1, 7)),
        # 02:30 does not exist on 2026-03-29 in Berlin: the report goes at 03:00 CEST.
        ("daily", 2, BERLIN, utc(2026, 3, 28, 12), utc(2026, 3, 29, 1)),
        # 02:00 happens twice on 2026-10-25: the first one (CEST, 00:00 UTC).
        ("daily", 2, BERLIN, utc(2026, 10, 24, 12), utc(2026, 10, 25, 0)),
    ],
)
def test_next_send_at_is_the_local_hour(frequency, hour, tz, after, expected):
    moment = next_send_at(frequency, hour, tz, after)
    assert moment == expected
    assert moment > after


def test_a_week_with_the_dst_change_lasts_169_hours():
    sent = utc(2026, 10, 26, 7)  # Monday 08:00 CET
    week = report_period("weekly", BERLIN, sent)
    assert (week.first, week.last) == (date(2026, 10, 19), date(2026, 10, 25))
    assert week.period.start == utc(2026, 10, 18, 22)  # Monday 00:00 CEST
    assert week.period.end == utc(2026, 10, 25, 23)  # Monday 00:00 CET
    assert week.period.length == timedelta(hours=169)
    assert week.previous.period.length == timedelta(hours=168)
    assert week.previous.period.end == week.period.start
    assert week.label == "19 October \N{EN DASH} 25 October 2026"


def test_periods_are_the_last_complete_day_week_month():
    now = utc(2026, 11, 3, 12)  # a Tuesday
    day = report_period("daily", NEW_YORK, now)
    assert (day.first, day.last) == (date(2026, 11, 2), date(2026, 11, 2))
    month = report_period("monthly", BERLIN, now)
    assert (month.first, month.last) == (date(2026, 10, 1), date(2026, 10, 31))
    assert month.previous.first == date(2026, 9, 1)  # the calendar month before
    assert month.period.length == timedelta(days=31, hours=1)  # October has the DST change
    new_year = report_period("weekly", BERLIN, utc(2027, 1, 4, 7))
    assert new_year.label == "28 December 2026 \N{EN DASH} 3 January 2027"


def test_the_ledger_key_gives_back_the_same_local_days():
    week = report_period("weekly", BERLIN, utc(2026, 10, 26, 7))
    again = period_from_instants("weekly", week.period.start, week.period.end, BERLIN)
    assert again == week
