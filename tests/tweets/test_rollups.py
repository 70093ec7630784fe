"""KPIs from rollups, checked against an independent SQL computation over the samples."""

from datetime import timedelta

import pytest
from django.db import connection

from tweets import polling, rollups
from tweets.metrics import ENGAGEMENT_PARTS
from tweets.periods import Period

pytestmark = pytest.mark.django_db


def sample_gains(account_id, start, end, column) -> int:
    """Gains of one sample column whose sample falls in [start, end); a Tweet's first sample
    counts from zero at the Tweet's posting time (as the rollups attribute it). Retweets
    are left out: their counts belong to the original."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT COALESCE(SUM(delta), 0) FROM (
                SELECT {column} - COALESCE(LAG({column}) OVER w, 0) AS delta,
                       CASE WHEN LAG(s.captured_at) OVER w IS NULL THEN t.created_at
                            ELSE s.captured_at END AS moment
                FROM tweets_tweetsample s JOIN tweets_tweet t ON t.id = s.tweet_id
                WHERE t.account_id = %s AND {column} IS NOT NULL AND t.kind <> 'retweet'
                WINDOW w AS (PARTITION BY s.tweet_id ORDER BY s.captured_at)
            ) d WHERE date_trunc('hour', moment) >= %s AND date_trunc('hour', moment) < %s
            """,
            [account_id, start, end],
        )
        return cursor.fetchone()[0]


def test_kpis_equal_sql_over_samples(clock, link):
    account = link("sandbox_demo")
    polling.poll_account(account)
    clock.advance(3600 * 5)
    polling.poll_account(account)
    now = clock.now()
    period = Period(now - timedelta(days=7), now + timedelta(hours=1))
    cards = {k.name: k for k in rollups.kpis([account.pk], period)}
    impressions = sample_gains(account.pk, period.start, period.end, "impressions")
    assert cards["impressions"].value == impressions > 0
    parts = sum(sample_gains(account.pk, period.start, period.end, c) for c in ENGAGEMENT_PARTS)
    assert cards["engagements"].value == parts
    assert cards["engagement_rate"].value == pytest.approx(parts / impressions)
    assert cards["url_clicks"].value == sample_gains(
        account.pk, period.start, period.end, "url_clicks"
    )
    previous = sample_gains(account.pk, period.previous.start, period.previous.end, "impressions")
    assert cards["impressions"].previous == previous


def test_periods_with_no_poll_are_missing_not_zero(clock, link):
    account = link("sandbox_demo")
    far = Period(clock.now() + timedelta(days=10), clock.now() + timedelta(days=17))
    cards = rollups.kpis([account.pk], far)
    assert all(card.value is None and card.change is None for card in cards)
