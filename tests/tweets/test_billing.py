"""Post reads counted as X bills them (each Tweet once per UTC day, failed requests free),
equal to the sandbox's own GET /2/usage/tweets, on the health page beside X's count."""

from datetime import UTC, datetime

import pytest
import requests
from django.db.models import Sum

from accounts.models import XAccount
from tests.admin.conftest import staff  # noqa: F401 - the administrator fixture
from tweets import billing, polling
from tweets.models import BilledReads, PollRun, Tweet

pytestmark = pytest.mark.django_db


def app_token(x_api) -> str:
    config = x_api.config
    return requests.post(
        f"{x_api.url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(config.consumer_key, config.consumer_secret),
        timeout=10,
    ).json()["access_token"]


def x_daily(x_api, token, days=3) -> dict[str, int]:
    """{YYYY-MM-DD: Posts} as the sandbox bills them (its /2/usage/tweets)."""
    body = requests.get(
        f"{x_api.url}/2/usage/tweets",
        params={"days": days, "usage.fields": "daily_project_usage"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    ).json()
    return {d["date"][:10]: d["usage"] for d in body["data"]["daily_project_usage"]["usage"]}


def ours() -> dict[str, int]:
    rows = BilledReads.objects.values("day").annotate(n=Sum("tweets"))
    return {row["day"].isoformat(): row["n"] for row in rows}


def poll(account) -> list[PollRun]:
    account.refresh_from_db()
    runs = polling.poll_account(account)
    assert all(r.outcome == PollRun.Outcome.OK for r in runs), [r.error for r in runs]
    return runs


def test_billed_reads_across_a_utc_midnight_equal_the_sandboxs_count(clock, link):
    x_api = clock.control
    clock.move_to(datetime(2026, 11, 3, 23, 40, tzinfo=UTC))
    account = link("sandbox_demo")
    token = app_token(x_api)
    poll(account)  # the first poll: every Tweet of the last 30 days, Retweets included
    first_day = Tweet.objects.filter(account=account).count()
    for _ in range(3):  # polls every five minutes re-read the young Tweets: not billed again
        clock.advance(300)
        poll(account)
    assert ours() == {"2026-11-03": first_day}

    # A new UTC day: the hourly band is due again, and billed again.
    clock.move_to(datetime(2026, 11, 4, 0, 50, tzinfo=UTC))
    poll(account)
    clock.advance(300)
    poll(account)
    read_after_midnight = Tweet.objects.filter(
        account=account, last_billed_on=datetime(2026, 11, 4).date()
    ).count()
    assert 0 < read_after_midnight < first_day
    # A failed request is free: a 503 on every attempt of the next poll's lookups.
    clock.advance(300)
    x_api.fault(kind="server_error", endpoint="tweets_lookup", times=10)
    account.refresh_from_db()
    failed = polling.poll_account(account)
    assert failed[0].outcome == PollRun.Outcome.FAILED
    x_api.control("DELETE", "faults")

    counted = ours()
    print(f"billed per UTC day, ours: {counted}; X's: {x_daily(x_api, token)}")
    assert counted == {"2026-11-03": first_day, "2026-11-04": read_after_midnight}
    assert x_daily(x_api, token) == {"2026-11-02": 0, **counted}


def test_health_page_shows_our_count_beside_xs(clock, link, client, staff, settings):  # noqa: F811
    x_api = clock.control
    account = link("sandbox_demo")
    poll(account)
    billed = Tweet.objects.filter(account=account).count()
    settings.X_BEARER_TOKEN = app_token(x_api)
    client.force_login(staff)
    page = client.get("/admin/health/").content.decode()
    assert f'<td id="usage-today">{billed:,}</td>' in page
    assert f'<td id="x-usage-today">{billed:,}</td>' in page
    assert f'<td id="x-usage-month">{billed:,}</td>' in page
    assert f"<tr><td>@sandbox_demo</td><td>{billed:,}</td><td>{billed:,}</td></tr>" in page

    # A token X refuses: the page says X's count is unknown and why, never the token.
    settings.X_BEARER_TOKEN = "not-a-token-of-this-app"
    page = client.get("/admin/health/").content.decode()
    assert '<td id="x-usage-today">unknown</td>' in page
    assert "could not be read: X API usage_tweets: 401 Unauthorized" in page
    assert "not-a-token-of-this-app" not in page


def test_the_orm_count_for_the_demos_sqlite_equals_the_postgres_statement(alice):
    """`make demo` runs on SQLite, where billing counts through the ORM: both ways mark the
    same Tweets and add the same numbers to the same day's counter."""
    account = XAccount.objects.create(owner=alice, x_user_id="42", username="a", auth_kind="oauth2")
    created = datetime(2026, 11, 2, 9, tzinfo=UTC)
    Tweet.objects.bulk_create(Tweet(id=i, account=account, created_at=created) for i in range(1, 6))
    morning, evening = datetime(2026, 11, 3, 8, tzinfo=UTC), datetime(2026, 11, 3, 20, tzinfo=UTC)
    next_day = datetime(2026, 11, 4, 0, 0, 1, tzinfo=UTC)

    assert billing.record([1, 2, 3], morning) == 3
    assert billing._record_portable([2, 3, 4, 5], billing.utc_day(evening)) == 2
    assert billing.record([1, 2, 3, 4, 5], evening) == 0
    assert billing._record_portable([1, 2, 3, 4, 5, 99], billing.utc_day(next_day)) == 5
    assert billing.record([1, 2, 3, 4, 5], next_day) == 0
    assert ours() == {"2026-11-03": 5, "2026-11-04": 5}
