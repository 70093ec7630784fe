"""Followers on the overview: the JSON, the CSV, the table and the KPI cards, against
independent SQL over what real polls of the sandbox stored."""

import csv
import io
import re

import pytest
from django.db import connection

from accounts.models import Profile
from tweets import polling
from tweets.metrics import format_count
from tweets.models import PollRun

pytestmark = pytest.mark.django_db

POLLS = 13  # every two hours: a day and one more poll, across a local midnight


@pytest.fixture
def followed(clock, link, alice):
    """@sandbox_demo polled every two hours for a day (the audience is read each time)."""
    Profile.objects.update_or_create(user=alice, defaults={"timezone": "Europe/London"})
    account = link("sandbox_demo")
    for step in range(POLLS):
        if step:
            clock.advance(2 * 3600)
        polling.poll_account(account)
    assert PollRun.objects.filter(account=account, audience_read=True).count() == POLLS
    account.refresh_from_db()
    return account


def sql(query: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def expected_buckets(account, body, tz):
    """Followers closing each bucket, net follows and Tweets posted per bucket, in SQL."""
    unit = body["interval"]
    followers, net, posts = [], [], []
    starts = body["starts"]
    ends = [*starts[1:], body["period"]["end"]]
    for start, end in zip(starts, ends, strict=True):
        (row,) = sql(
            "SELECT (SELECT followers FROM tweets_audiencesample WHERE account_id = %s"
            "   AND followers IS NOT NULL AND captured_at < %s"
            "   ORDER BY captured_at DESC LIMIT 1),"
            " (SELECT sum(net_follows) FROM tweets_audiencehourly WHERE account_id = %s"
            "   AND bucket >= %s AND bucket < %s),"
            " (SELECT count(*) FROM tweets_tweet WHERE account_id = %s AND kind <> 'retweet'"
            "   AND created_at >= %s AND created_at < %s),"
            " %s::timestamptz <= (SELECT last_poll_at FROM accounts_xaccount WHERE id = %s)",
            [account.pk, end, account.pk, start, end, account.pk, start, end, start, account.pk],
        )
        closing, gained, posted, measured = row
        followers.append(closing if measured else None)
        net.append((gained or 0) if measured else None)
        posts.append(posted)
    return followers, net, posts, unit


def test_followers_json_equals_sql_and_the_sandbox(followed, client, alice, clock):
    client.force_login(alice)
    for period in ("7", "30"):
        check_followers_json(client, followed, clock, period)


def check_followers_json(client, followed, clock, period):
    body = client.get("/dashboard/api/audience.json", {"period": period}).json()
    assert body["interval"] == ("hour" if period == "7" else "day")
    followers, net, posts, _ = expected_buckets(followed, body, "Europe/London")
    assert body["followers"] == followers
    assert body["net_follows"] == net
    assert body["posts"] == posts
    assert sum(posts) > 0 and any(net)
    # The last measured bucket closes on the sandbox's own count at the last poll.
    last = max(i for i, v in enumerate(body["followers"]) if v is not None)
    world = clock.control.world.followers(followed.x_user_id, clock.now())
    assert body["followers"][last] == world

    kpis = {k["name"]: k for k in body["kpis"]}
    ((gained, impressions),) = sql(
        "SELECT (SELECT sum(net_follows) FROM tweets_audiencehourly WHERE account_id = %s"
        "   AND bucket >= %s AND bucket < %s),"
        " (SELECT sum(impressions) FROM tweets_hourlyrollup WHERE account_id = %s"
        "   AND context = 'total' AND bucket >= %s AND bucket < %s)",
        [followed.pk, body["period"]["start"], body["period"]["end"]] * 2,
    )
    assert kpis["net_follows"]["value"] == gained == sum(v for v in net if v)
    assert kpis["follows_per_1k"]["value"] == pytest.approx(int(gained) * 1000 / int(impressions))
    # The previous period had no audience read: missing, never 0, and no change to say.
    assert kpis["net_follows"]["previous"] is None
    assert kpis["net_follows"]["change"] is None


def test_the_table_and_the_csv_carry_the_same_numbers(followed, client, alice):
    client.force_login(alice)
    body = client.get("/dashboard/api/audience.json", {"period": "30"}).json()
    answer = client.get("/dashboard/audience.csv", {"period": "30"})
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode())))
    assert rows[0] == ["bucket_start", "followers", "net_follows", "tweets_posted"]

    def cell(value):
        return "" if value is None else str(value)

    assert [r[1:] for r in rows[1:]] == [
        [cell(f), cell(n), cell(p)]
        for f, n, p in zip(body["followers"], body["net_follows"], body["posts"], strict=True)
    ]
    page = re.sub(r"\s+", " ", client.get("/dashboard/", {"period": "30"}).content.decode())
    table = page[page.index('id="followers-table"') :]
    table = table[: table.index("</table>")]
    measured = [f for f in body["followers"] if f is not None]
    assert f"<td>{format_count(measured[-1])}</td>" in table
    assert table.count("<tr>") == len(body["labels"]) + 1
    kpis = {k["name"]: k for k in body["kpis"]}
    assert 'data-kpi="net_follows"' in page
    card = page[page.index('data-kpi="net_follows"') :]
    assert format_count(kpis["net_follows"]["value"]) in card[: card.index("</li>")]
    assert 'id="followers-chart"' in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "12"}, "period"),
        ({"interval": "minute"}, "interval"),
        ({"period": "custom", "start": "2026-13-01", "end": "2026-11-02"}, "start"),
        ({"account": "x"}, "account"),
    ],
)
def test_bad_queries_get_a_400(link, client, alice, query, message):
    link("sandbox_demo")
    client.force_login(alice)
    for path in ("/dashboard/api/audience.json", "/dashboard/audience.csv"):
        answer = client.get(path, query)
        assert answer.status_code == 400
        assert message in answer.content.decode().lower()


def test_no_audience_read_yet_is_missing_not_zero(link, client, alice):
    link("sandbox_demo")
    client.force_login(alice)
    body = client.get("/dashboard/api/audience.json", {"period": "7"}).json()
    assert set(body["followers"]) == {None}
    kpis = {k["name"]: k["value"] for k in body["kpis"]}
    assert kpis == {"net_follows": None, "follows_per_1k": None}


def test_followers_are_summed_only_once_every_account_has_a_count(alice):
    """Two accounts, their counts at different instants: each bucket closes on each one's
    latest count, carried forward; None until both have one, and after the last poll."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from accounts.models import XAccount
    from tweets.audience import audience_series
    from tweets.models import AudienceHourly, AudienceSample, Tweet
    from tweets.periods import Period

    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    one, two = (
        XAccount.objects.create(owner=alice, x_user_id=str(n), username=f"a{n}", auth_kind="oauth2")
        for n in (1, 2)
    )
    for account, minutes, followers in [
        (one, -30, 100),  # before the period: carried into it
        (one, 90, 110),
        (two, 150, None),  # a read without a count does not count
        (two, 170, 50),
        (one, 175, 120),
        (two, 200, 40),
    ]:
        AudienceSample.objects.create(
            account=account, captured_at=start + timedelta(minutes=minutes), followers=followers
        )
    AudienceHourly.objects.create(account=one, bucket=start + hour, net_follows=10)
    AudienceHourly.objects.create(account=two, bucket=start + 3 * hour, net_follows=-10)
    for n, (account, kind) in enumerate([(one, "original"), (two, "retweet"), (two, "reply")]):
        Tweet.objects.create(
            id=n + 1, account=account, kind=kind, text="", created_at=start + 2 * hour,
            first_seen_at=start,
        )  # fmt: skip
    period = Period(start, start + 5 * hour)

    body = audience_series(
        [one.pk, two.pk, one.pk], period, ZoneInfo("UTC"), "hour", start + 3.5 * hour
    )

    assert body["starts"] == [start + i * hour for i in range(5)]
    assert body["followers"] == [None, None, 170, 160, None]
    assert body["net_follows"] == [0, 10, 0, -10, None]
    assert body["posts"] == [0, 0, 2, 0, 0]
