"""The admin: every model's pages, PollRuns failures first, X API usage against the cap,
rate-limit budgets, the queue, and changelists that stay cheap on big tables."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import redis
import time_machine
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import connection
from django.urls import reverse

from accounts.models import XAccount
from accounts.tokens import budget_key
from metricsdash import monitoring
from metricsdash.usage import x_usage
from tweets import admin as tweets_admin
from tweets.models import BilledReads, PollRun, Tweet, TweetSample
from xapi.client import CacheRateBudget

from .conftest import secrets_of

pytestmark = pytest.mark.django_db


def admin_pages(model) -> list[str]:
    """The changelist, a search and the first object's change page of a registered model."""
    info = (model._meta.app_label, model._meta.model_name)
    changelist = reverse("admin:{}_{}_changelist".format(*info))
    pages = [changelist, f"{changelist}?q=sandbox"]
    first = model._default_manager.order_by("pk").first()
    if first is not None:
        pages.append(reverse("admin:{}_{}_change".format(*info), args=[quote(first.pk)]))
    return pages


def test_every_admin_page_renders_and_holds_no_token(client, staff, installation):
    client.force_login(staff)
    secrets = secrets_of(*installation)
    models = list(admin.site._registry)
    assert {m.__name__ for m in models} >= {
        "XAccount",
        "Profile",
        "Tweet",
        "Media",
        "HourlyRollup",
        "AudienceSample",
        "AudienceHourly",
        "BilledReads",
        "PollRun",
        "ReportSubscription",
        "ReportDelivery",
    }
    demo = installation[0]
    pages = [url for model in models for url in admin_pages(model)] + [
        "/admin/",
        "/admin/health/",
        reverse("admin:accounts_xaccount_history", args=[demo.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for secret in secrets:
            assert secret not in html, f"a token is in the HTML of {url}"
    change = client.get(reverse("admin:accounts_xaccount_change", args=[demo.pk])).content
    assert b"Tokens stored (encrypted)" in change and b"tokens_encrypted" not in change


def test_poll_runs_list_failures_first_with_their_cause(client, staff, alice):
    client.force_login(staff)
    account = XAccount.objects.create(owner=alice, x_user_id="1", username="a", auth_kind="oauth1")
    start = datetime(2026, 11, 3, tzinfo=UTC)
    for hours, outcome, error in [
        (1, "ok", ""),
        (2, "failed", "BadResponse: X API users_tweets: 200 answer is not JSON"),
        (3, "ok", ""),
        (4, "rate_limited", "Rate limited until 2026-11-03 04:15:00Z"),
        (5, "unauthorized", "401 Unauthorized"),
        (6, "ok", ""),
    ]:
        PollRun.objects.create(
            account=account, started_at=start + timedelta(hours=hours), outcome=outcome, error=error
        )

    page = client.get("/admin/tweets/pollrun/").content.decode()

    outcomes = re.findall(r'<strong class="poll-outcome poll-outcome-\w+">([^<]+)</strong>', page)
    assert outcomes == [
        "Needs re-authorisation",  # failures first, newest first
        "Failed",
        "Rate limited",
        "Ok",
        "Ok",
        "Ok",
    ]
    assert "BadResponse: X API users_tweets: 200 answer is not JSON" in page


def test_x_api_usage_against_the_monthly_cap_warns_at_80_percent(client, staff, alice, settings):
    settings.X_MONTHLY_TWEET_CAP = 1000
    settings.X_PRICE_PER_TWEET_READ = 0.01
    client.force_login(staff)
    account = XAccount.objects.create(owner=alice, x_user_id="1", username="a", auth_kind="oauth1")
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    for day, billed in [
        (datetime(2026, 10, 31), 500),  # last month: not counted
        (datetime(2026, 11, 2), 600),
        (datetime(2026, 11, 20), 200),
    ]:
        BilledReads.objects.create(account=account, day=day.date(), tweets=billed)
        # Tweets sampled by the poll runs are not what X bills: the counters are.
        PollRun.objects.create(
            account=account, started_at=day.replace(tzinfo=UTC), tweets_sampled=9999
        )

    with time_machine.travel(now, tick=False):
        page = client.get("/admin/health/").content.decode()
        usage = x_usage()

    assert (usage.today, usage.month) == (200, 800)
    assert '<td id="usage-today">200</td>' in page
    assert '<td id="usage-month">800 of 1,000 (80.0 %)</td>' in page
    assert "2.00 USD" in page and "8.00 USD" in page
    assert "Warning: 800 Posts billed this month, 80.0 % of the monthly cap" in page
    assert "<tr><td>@a</td><td>200</td><td>800</td></tr>" in page

    # Users read for their followers: one billed read per account and UTC day, however often.
    PollRun.objects.filter(started_at__gte=datetime(2026, 11, 2, tzinfo=UTC)).update(
        audience_read=True
    )
    other = XAccount.objects.create(owner=alice, x_user_id="2", username="b", auth_kind="oauth1")
    PollRun.objects.create(
        account=other, started_at=datetime(2026, 11, 19, 23, 59, tzinfo=UTC), audience_read=True
    )
    PollRun.objects.create(account=other, started_at=datetime(2026, 11, 20, 2, tzinfo=UTC))
    settings.X_PRICE_PER_USER_READ = 0.5
    with time_machine.travel(now, tick=False):
        page = client.get("/admin/health/").content.decode()
        usage = x_usage()
    # a: 2 and 20 November; b: 19 November only (its run on the 20th read no followers).
    assert (usage.users_today, usage.users_month) == (1, 3)
    assert '<td id="usage-users-today">1</td>' in page
    assert '<td id="usage-users-month">3</td>' in page
    assert "0.50 USD" in page and "1.50 USD" in page

    settings.X_MONTHLY_TWEET_CAP = 1001  # just under 80 %: no warning
    with time_machine.travel(now, tick=False):
        assert "Warning:" not in client.get("/admin/health/").content.decode()


def test_rate_limit_budget_per_account_comes_from_the_shared_budget(client, staff, installation):
    client.force_login(staff)
    demo, _ = installation
    budget = CacheRateBudget()
    timeline = budget.get(f"{budget_key(demo)}:users_tweets")
    assert timeline is not None  # the poll stored X's x-rate-limit-* headers

    page = client.get("/admin/health/").content.decode()

    row = re.search(r"@sandbox_demo</a></td>(.*?)</tr>", page, re.S).group(1)
    assert f"{timeline.remaining:,} of {timeline.limit:,} left" in row
    assert f"resets {timeline.reset:%H:%M:%S} UTC" in row


def test_queue_length_from_redis_and_unknown_elsewhere(settings):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.skip("needs a Redis broker")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("md-test-queue")
    client.rpush("md-test-queue", "a", "b", "c")
    try:
        assert monitoring.queue_length("md-test-queue") == 3
    finally:
        client.delete("md-test-queue")
    settings.CELERY_BROKER_URL = "filesystem://"
    assert monitoring.queue_length() is None


def test_a_tweets_page_lists_its_latest_samples_newest_first(client, staff, installation):
    # Samples have a composite primary key, which the admin cannot register on its own.
    client.force_login(staff)
    tweet = Tweet.objects.filter(samples__isnull=False).first()
    latest = TweetSample.objects.filter(tweet=tweet).order_by("-captured_at")
    shown = latest[: tweets_admin.SAMPLES_SHOWN]

    page = client.get(reverse("admin:tweets_tweet_change", args=[tweet.pk])).content.decode()

    rows = re.findall(r"<tr><td>(.*?)</td>", page)
    assert len(rows) == len(shown) > 0
    assert f"<td>{latest[0].impressions}</td>" in page
    print(f"{len(rows)} of {latest.count()} samples of Tweet {tweet.pk} listed")


def test_big_unfiltered_lists_are_counted_from_table_statistics(installation, monkeypatch):
    monkeypatch.setattr(tweets_admin, "ESTIMATE_ABOVE", 0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE tweets_tweetsample")
    exact = TweetSample.objects.count()
    newest_first = TweetSample.objects.order_by("-captured_at")
    estimated = tweets_admin.EstimatedCountPaginator(newest_first, 50).count
    one_tweet = TweetSample.objects.filter(tweet_id=TweetSample.objects.first().tweet_id).order_by(
        "-captured_at"
    )
    filtered = tweets_admin.EstimatedCountPaginator(one_tweet, 50).count
    assert abs(estimated - exact) <= exact * 0.1  # the statistics, not a COUNT(*)
    assert filtered == one_tweet.count()
    assert settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
