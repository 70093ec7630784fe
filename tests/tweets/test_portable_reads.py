"""The account-level reads have two paths: PostgreSQL statements (rollups, audience and
timing), and the ORM and Python where those cannot run (the embedded demo's SQLite,
`rollups.on_postgres`). Both run here on the same polled data, and give the same numbers.
"""

import pytest
from django.utils import timezone

from accounts.models import Profile
from tests.dashboard.test_audience import followed  # noqa: F401 - a fixture
from tests.tweets.test_timing import BERLIN, SINCE, UNTIL, history  # noqa: F401 - a fixture
from tweets import audience, rollups, timing
from tweets.periods import last_days

pytestmark = pytest.mark.django_db


def both(function, *args, **kwargs):
    """function's answer on PostgreSQL's path, then on the portable one."""
    on_postgres = function(*args, **kwargs)
    with pytest.MonkeyPatch.context() as patch:
        # Every read runs through rollups.read_together, which asks rollups.on_postgres.
        patch.setattr(rollups, "on_postgres", lambda: False)
        portable = function(*args, **kwargs)
    return on_postgres, portable


def test_the_overview_reads_are_the_same_on_both_paths(followed, alice):  # noqa: F811
    tz = Profile.of(alice).zone
    ids = [followed.pk]
    for days in (7, 30, 90):
        period = last_days(days, tz, timezone.now())
        first, second = both(rollups.totals_with_previous, ids, period)
        assert first == second and first[0] is not None
        for interval in ("hour", "day") if days <= 30 else ("day",):
            for metric in ("impressions", "engagements", "likes"):
                first, second = both(
                    rollups.account_series, ids, period, tz, metric, interval, followed.last_poll_at
                )
                assert first == second, (days, interval, metric)
            first, second = both(
                audience.audience_series, ids, period, tz, interval, followed.last_poll_at
            )
            assert first == second, (days, interval)
            assert any(first["followers"]) and any(first["posts"])
        first, second = both(audience.net_follows_with_previous, ids, period)
        assert first == second
        for sort in ("impressions", "created_at", "engagement_rate", "likes"):
            for descending in (True, False):
                for limit in (None, 5):
                    first, second = both(rollups.top_tweets, ids, period, sort, descending, limit)
                    assert first == second, (days, sort, descending, limit)
        (count, reposts), (count_too, reposts_too) = both(rollups.posted_and_reposts, ids, period)
        assert count == count_too > 0
        assert [(t.pk, t.account.username) for t in reposts] == [
            (t.pk, t.account.username) for t in reposts_too
        ]


@pytest.mark.parametrize("replies", [False, True])
def test_the_best_time_is_the_same_on_both_paths(history, replies):  # noqa: F811
    first, second = both(timing.best_slots, [history.pk], BERLIN, SINCE, UNTIL, replies=replies)
    assert first.slots and len(first.slots) == len(second.slots)
    for one, two in zip(first.slots, second.slots, strict=True):
        assert (one.weekday, one.hour, one.tweets) == (two.weekday, two.hour, two.tweets)
        assert one.median_impressions == pytest.approx(two.median_impressions)
        assert one.median_engagement_rate == pytest.approx(two.median_engagement_rate)
