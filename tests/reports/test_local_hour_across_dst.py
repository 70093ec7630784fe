"""Reports go out at the subscriber's local hour on both sides of a DST change.

Time is frozen and moved in half-hour steps while the beat task runs at each step, as
Celery beat would run it; every message is stamped with the instant it went out.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from reports import tasks
from reports.models import ReportDelivery, ReportSubscription
from reports.sending import schedule

from .conftest import make_account, set_timezone

pytestmark = pytest.mark.django_db
STEP = timedelta(minutes=30)


def run_beat(start: datetime, end: datetime, mailoutbox) -> list[datetime]:
    """Run the beat task every STEP from start to end; returns when each message left."""
    sent = []
    with time_machine.travel(start, tick=False) as traveller:
        moment = start
        while moment < end:
            traveller.move_to(moment)
            before = len(mailoutbox)
            tasks.send_due_reports()
            sent += [moment] * (len(mailoutbox) - before)
            moment += STEP
    return sent


def subscribe(user, tz: str, frequency: str, hour: int, now: datetime) -> ReportSubscription:
    set_timezone(user, tz)
    make_account(user)
    subscription = ReportSubscription(user=user, frequency=frequency, local_hour=hour, enabled=True)
    with time_machine.travel(now, tick=False):
        schedule(subscription)
    subscription.save()
    return subscription


def test_weekly_report_at_8_in_berlin_before_and_after_the_clocks_go_back(
    alice, eager, mailoutbox, settings_for_reports
):
    start = datetime(2026, 10, 18, 12, tzinfo=UTC)  # a Sunday; DST ends Sunday 25 Oct
    subscribe(alice, "Europe/Berlin", "weekly", 8, start)

    sent = run_beat(start, datetime(2026, 10, 26, 12, tzinfo=UTC), mailoutbox)

    berlin = ZoneInfo("Europe/Berlin")
    print("\nBerlin, weekly at 08:00:", [f"{s:%a %d %b %H:%M} UTC" for s in sent])
    assert sent == [
        datetime(2026, 10, 19, 6, tzinfo=UTC),  # 08:00 CEST (UTC+2)
        datetime(2026, 10, 26, 7, tzinfo=UTC),  # 08:00 CET (UTC+1)
    ]
    assert all(s.astimezone(berlin).hour == 8 for s in sent)
    # The second report covers Monday to Sunday in Berlin: 169 hours, the extra hour in.
    second = ReportDelivery.objects.order_by("period_start").last()
    assert second.period_start == datetime(2026, 10, 18, 22, tzinfo=UTC)
    assert second.period_end - second.period_start == timedelta(hours=169)
    assert "19 October \N{EN DASH} 25 October 2026" in mailoutbox[1].subject


def test_daily_report_at_7_in_new_york_around_the_end_of_summer_time(
    alice, eager, mailoutbox, settings_for_reports
):
    start = datetime(2026, 10, 30, 12, tzinfo=UTC)  # clocks go back on Sunday 1 November
    subscribe(alice, "America/New_York", "daily", 7, start)

    sent = run_beat(start, datetime(2026, 11, 2, 15, tzinfo=UTC), mailoutbox)

    new_york = ZoneInfo("America/New_York")
    print("New York, daily at 07:00:", [f"{s:%a %d %b %H:%M} UTC" for s in sent])
    assert sent == [
        datetime(2026, 10, 31, 11, tzinfo=UTC),  # 07:00 EDT (UTC-4)
        datetime(2026, 11, 1, 12, tzinfo=UTC),  # 07:00 EST (UTC-5), hours after the change
        datetime(2026, 11, 2, 12, tzinfo=UTC),
    ]
    assert all(s.astimezone(new_york).hour == 7 for s in sent)
    lengths = [
        d.period_end - d.period_start for d in ReportDelivery.objects.order_by("period_start")
    ]
    assert lengths == [timedelta(hours=24), timedelta(hours=24), timedelta(hours=25)]
