"""A Tweet's samples as the pages read them: one thinning for every caller."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import XAccount
from dashboard import samples
from tweets.models import Tweet, TweetSample

pytestmark = pytest.mark.django_db

POSTED = datetime(2026, 11, 2, 0, tzinfo=UTC)


@pytest.fixture
def two_tweets(alice, monkeypatch):
    """With a limit of 10 points: a Tweet sampled every 30 minutes for 30 hours (60 samples,
    too many) and one sampled 5 times (few enough), posted at the same instant."""
    monkeypatch.setattr(samples, "MAX_POINTS", 10)
    account = XAccount.objects.create(
        owner=alice, x_user_id="7", username="mine", auth_kind="oauth2"
    )
    last = POSTED + timedelta(hours=30)
    dense, sparse = (
        Tweet.objects.create(
            id=pk, account=account, created_at=POSTED, last_sampled_at=last, last_polled_at=last
        )
        for pk in (1, 2)
    )
    TweetSample.objects.bulk_create(
        TweetSample(tweet=dense, captured_at=POSTED + timedelta(minutes=30 * i), impressions=i)
        for i in range(1, 61)
    )
    TweetSample.objects.bulk_create(
        TweetSample(tweet=sparse, captured_at=POSTED + timedelta(hours=6 * i), impressions=i)
        for i in range(1, 6)
    )
    return dense, sparse


def test_a_tweet_with_too_many_samples_keeps_the_last_per_bucket_the_others_keep_all(
    two_tweets,
):
    span = timedelta(hours=30)
    assert samples.thinning_bucket(span) == "day"  # 31 hours would exceed 10 points
    rows = samples.thinned(TweetSample.objects.filter(tweet__in=two_tweets), span, "tweet")
    kept = sorted((row.tweet_id, row.impressions) for row in rows)
    # The dense Tweet: the closing value of each UTC day (23:30 on the 2nd, 06:00 on the 3rd).
    assert kept == [(1, 47), (1, 60), (2, 1), (2, 2), (2, 3), (2, 4), (2, 5)]


def test_every_caller_thins_the_same_way(two_tweets):
    dense, sparse = two_tweets
    series = samples.tweet_series(dense)
    assert series["resolution"] == "day" and series["samples"] == 60
    assert series["metrics"]["impressions"] == [47, 60]
    assert samples.tweet_series(sparse)["resolution"] == "sample"
    curves = samples.compare_series([dense, sparse], "impressions", "7d", normalise=False)
    assert [curve["values"] for curve in curves] == [[47, 60], [1, 2, 3, 4, 5]]
