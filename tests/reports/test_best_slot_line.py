"""The weekly and monthly reports name the best time to post when there is enough history;
the daily one never does. The data is written directly: Tweets with a sample in their
first 24 hours and a poll after it."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from reports.message import report_message
from reports.models import ReportSubscription
from reports.schedule import DAILY, MONTHLY, WEEKLY, ReportPeriod
from tweets.models import Tweet, TweetSample

from .conftest import make_account, set_timezone
from .test_weekly_report_smtp import best_slot_by_hand

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
WEEK = ReportPeriod(WEEKLY, date(2026, 11, 2), date(2026, 11, 8), BERLIN)


def posted(account, tweet_id: int, local: datetime, impressions: int) -> None:
    created = local.astimezone(UTC)
    tweet = Tweet.objects.create(
        id=tweet_id,
        account=account,
        created_at=created,
        last_polled_at=created + timedelta(hours=30),
    )
    TweetSample.objects.create(tweet=tweet, captured_at=created + timedelta(hours=2), impressions=5)
    TweetSample.objects.create(
        tweet=tweet, captured_at=created + timedelta(hours=23), impressions=impressions
    )
    # Later growth is not the first day's: the line must not count it.
    TweetSample.objects.create(
        tweet=tweet, captured_at=created + timedelta(hours=29), impressions=impressions * 10
    )


@pytest.fixture
def history(alice):
    set_timezone(alice, "Europe/Berlin")
    account = make_account(alice)
    # Tuesdays 09:xx Berlin (one across the end of summer time), and Mondays 10:xx lower.
    for week, impressions in enumerate((900, 1500, 1200, 400)):
        posted(
            account, 100 + week, datetime(2026, 10, 6 + 7 * week, 9, 15, tzinfo=BERLIN), impressions
        )
    for week, impressions in enumerate((800, 700, 600)):
        posted(
            account,
            200 + week,
            datetime(2026, 10, 5 + 7 * week, 10, 40, tzinfo=BERLIN),
            impressions,
        )
    return account


def text_of(message) -> str:
    """The plain-text part, where the line must stand on its own."""
    return message.body


@pytest.mark.parametrize("frequency", [WEEKLY, MONTHLY])
def test_weekly_and_monthly_reports_name_the_best_slot(history, alice, frequency):
    subscription = ReportSubscription.objects.create(user=alice, frequency=frequency)
    period = (
        WEEK
        if frequency == WEEKLY
        else ReportPeriod(MONTHLY, date(2026, 11, 1), date(2026, 11, 30), BERLIN)
    )
    slot, median, count = best_slot_by_hand(history, period.period.end)
    assert (slot, median, count) == ("Tuesday 09:00-10:00", 1050, 4)
    text = text_of(report_message(subscription, period))
    assert (
        f"Best time to post over the last 90 days: {slot} (Europe/Berlin), a median of"
        f" {median:,} impressions in a Tweet's first 24 hours ({count} Tweets)."
    ) in text


def test_the_daily_report_and_thin_history_say_nothing(history, alice):
    daily = ReportSubscription.objects.create(user=alice, frequency=DAILY)
    day = ReportPeriod(DAILY, date(2026, 11, 8), date(2026, 11, 8), BERLIN)
    assert "Best time to post" not in text_of(report_message(daily, day))
    # Two Tweets a slot are too few.
    Tweet.objects.filter(id__in=[100, 101, 200]).delete()
    weekly = ReportSubscription.objects.create(user=alice, frequency=WEEKLY)
    assert best_slot_by_hand(history, WEEK.period.end) is None
    assert "Best time to post" not in text_of(report_message(weekly, WEEK))
