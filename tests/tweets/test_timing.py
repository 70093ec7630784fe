"""The best time to post (tweets/timing.py) against an independent computation from the
samples, across a DST change, and the page, JSON and CSV that show it."""

import csv
import io
import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse

from accounts.models import Profile, XAccount
from tweets import polling, timing
from tweets.models import Tweet, TweetSample

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# Clocks go back in Berlin at 03:00 CEST on Sunday 25 October 2026: 00:30 UTC is 02:30
# CEST that day, and 01:30 UTC is 02:30 CET (the hour that happens twice).
DST_DAY = datetime(2026, 10, 25, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
SINCE, UNTIL = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC)


def posted(day_offset: int, hour: int, minute: int = 0) -> datetime:
    return DST_DAY + timedelta(days=day_offset, hours=hour, minutes=minute)


# (created_at, kind, [(age in hours, impressions, likes)]): the sample after 24 h must not
# count, a Tweet polled only before 24 h must not count, and the same local 02:xx hour
# falls on both sides of the change.
TWEETS = [
    # Sundays at 02:xx Berlin time: CEST on 25 Oct, CET one week and two weeks later.
    (posted(0, 0, 30), "original", [(1, 100, 5), (23, 600, 30), (30, 5000, 90)]),
    (posted(0, 1, 30), "original", [(2, 300, 3), (24, 1200, 40)]),
    (posted(7, 1, 10), "original", [(5, 700, 7), (26, 9999, 99)]),
    (posted(14, 1, 40), "quote", [(12, 400, 20), (24, 450, 21)]),
    (posted(14, 1, 50), "reply", [(12, 50_000, 900)]),
    (posted(14, 1, 55), "retweet", [(12, 80_000, 0)]),
    # Mondays 09:xx CET: only two Tweets, too few.
    (posted(1, 8, 5), "original", [(24, 2000, 50)]),
    (posted(8, 8, 5), "original", [(20, 2200, 60)]),
    # Saturdays 18:xx CEST/CET: three Tweets, one of them viral.
    (posted(-1, 16, 0), "original", [(3, 100, 1), (22, 800, 16)]),
    (posted(6, 17, 0), "original", [(23, 600, 12)]),
    (posted(13, 17, 0), "original", [(21, 250_000, 9000)]),
]


@pytest.fixture
def history(alice):
    account = XAccount.objects.create(
        owner=alice, x_user_id="9", username="timed", auth_kind="oauth2", sandbox=True
    )
    for number, (created, kind, samples) in enumerate(TWEETS, start=1):
        last = created + timedelta(hours=samples[-1][0])
        tweet = Tweet.objects.create(
            id=number,
            account=account,
            kind=kind,
            created_at=created,
            last_sampled_at=last,
            last_polled_at=max(last, created + timedelta(hours=25)),
        )
        for age, impressions, likes in samples:
            TweetSample.objects.create(
                tweet=tweet,
                captured_at=created + timedelta(hours=age),
                impressions=impressions,
                likes=likes,
                retweets=0,
                replies=0,
                quotes=0,
                bookmarks=0,
                url_clicks=0,
                profile_clicks=0,
            )
    # A Tweet last polled before its first 24 hours ended: its numbers are not final.
    young = Tweet.objects.create(
        id=99,
        account=account,
        created_at=posted(21, 1, 30),
        last_sampled_at=posted(21, 2, 30),
        last_polled_at=posted(21, 2, 30),
    )
    TweetSample.objects.create(tweet=young, captured_at=posted(21, 2, 30), impressions=7)
    return account


def independent(account_id: int, replies: bool) -> dict[tuple[int, int], list[tuple]]:
    """Per (Monday = 0 weekday, Berlin hour): each Tweet's (impressions, rate) at 24 h,
    with a correlated subquery and to_char instead of DISTINCT ON and EXTRACT."""
    kinds = ("original", "quote", "reply") if replies else ("original", "quote")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT to_char(t.created_at AT TIME ZONE 'Europe/Berlin', 'ID'),
                   to_char(t.created_at AT TIME ZONE 'Europe/Berlin', 'HH24'),
                   s.impressions, s.likes + s.retweets + s.replies + s.quotes + s.bookmarks
                   + s.url_clicks + s.profile_clicks
            FROM tweets_tweet t JOIN tweets_tweetsample s ON s.tweet_id = t.id
            WHERE t.account_id = %s AND t.kind = ANY(%s)
              AND t.last_polled_at >= t.created_at + interval '24 hours'
              AND s.captured_at = (
                SELECT max(x.captured_at) FROM tweets_tweetsample x
                WHERE x.tweet_id = t.id AND x.captured_at <= t.created_at + interval '1 day')
            """,
            [account_id, list(kinds)],
        )
        cells: dict[tuple[int, int], list[tuple]] = {}
        for isodow, hour, impressions, engagements in cursor.fetchall():
            cells.setdefault((int(isodow) - 1, int(hour)), []).append(
                (impressions, engagements / impressions)
            )
    return cells


@pytest.mark.parametrize("replies", [False, True])
def test_medians_equal_an_independent_computation_across_dst(history, replies):
    result = timing.best_slots([history.pk], BERLIN, SINCE, UNTIL, replies=replies)
    expected = independent(history.pk, replies)
    assert {(s.weekday, s.hour) for s in result.slots} == set(expected)
    for slot in result.slots:
        values = expected[(slot.weekday, slot.hour)]
        assert slot.tweets == len(values)
        if len(values) < timing.MIN_TWEETS:
            assert (slot.median_impressions, slot.median_engagement_rate) == (None, None)
        else:
            assert slot.median_impressions == statistics.median(v[0] for v in values)
            assert slot.median_engagement_rate == pytest.approx(
                statistics.median(v[1] for v in values)
            )
    # Sunday 02:xx holds Tweets from both sides of the change; the sample at 30 h and the
    # one at 26 h do not count.
    sunday_2 = next(s for s in result.slots if (s.weekday, s.hour) == (6, 2))
    assert sunday_2.tweets == (5 if replies else 4)
    assert sunday_2.median_impressions == (700 if replies else 650)
    best = result.best[0]
    assert (best.weekday, best.hour, best.median_impressions) == (5, 18, 800)
    assert [(s.weekday, s.hour) for s in result.best] == [(5, 18), (6, 2)]


def test_the_page_json_and_csv_show_the_same_cells(client, alice, history):
    Profile.objects.update_or_create(user=alice, defaults={"timezone": "Europe/Berlin"})
    client.force_login(alice)
    query = {"period": "custom", "start": "2026-10-01", "end": "2026-11-19"}
    page = client.get(reverse("dashboard:timing"), query)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<strong>Saturday 18:00-19:00</strong> (median 800 impressions)" in html
    assert "<strong>Sunday 02:00-03:00</strong>" in html
    assert "too few" in html and "n=2" in html
    assert 'class="heat-9"' in html
    data = client.get(reverse("dashboard:api_timing"), query).json()
    assert data["timezone"] == "Europe/Berlin"
    cells = {(s["weekday"], s["hour"]): s for s in data["slots"]}
    assert cells[("Sunday", 2)]["median_impressions"] == 650
    assert cells[("Monday", 9)] == {
        "weekday": "Monday",
        "hour": 9,
        "tweets": 2,
        "median_impressions": None,
        "median_engagement_rate": None,
    }
    assert [b["hour"] for b in data["best"]] == [18, 2]
    rows = list(csv.reader(io.StringIO(client.get(reverse("dashboard:timing_csv"), query).text)))
    assert rows[0] == list(
        ("weekday", "hour", "tweets", "median_impressions", "median_engagement_rate")
    )
    assert ["Monday", "9", "2", "", ""] in rows
    with_replies = client.get(reverse("dashboard:api_timing"), {**query, "replies": "1"}).json()
    assert {(s["weekday"], s["hour"]): s["tweets"] for s in with_replies["slots"]}[
        ("Sunday", 2)
    ] == 5


@pytest.mark.parametrize(
    "query, word",
    [({"replies": "maybe"}, "replies"), ({"period": "custom", "start": "2026-13-01"}, "start")],
)
def test_bad_queries_get_a_400_with_the_reason(client, alice, query, word):
    client.force_login(alice)
    for name in ("dashboard:timing", "dashboard:api_timing", "dashboard:timing_csv"):
        response = client.get(reverse(name), query)
        assert response.status_code == 400
        assert word in response.content.decode()


def write_world_history(world, account, now, days: int = 90) -> None:
    """A demo-like history from the sandbox's world: every Tweet of the account's user over
    `days`, sampled as the poller would at ages 1, 6, 24 and 30 hours."""
    tweets, samples = [], []
    for sim in world.timeline(account.x_user_id, now):
        if sim.created_at < now - timedelta(days=days):
            continue
        ages = [h for h in (1, 6, 24, 30) if sim.created_at + timedelta(hours=h) <= now]
        if not ages:
            continue
        last = sim.created_at + timedelta(hours=ages[-1])
        tweets.append(
            Tweet(
                id=int(sim.id),
                account=account,
                kind=sim.kind,  # the sandbox names kinds as the product does
                created_at=sim.created_at,
                last_polled_at=last,
                last_sampled_at=last,
            )
        )
        for hours in ages:
            at = sim.created_at + timedelta(hours=hours)
            values = polling.tweet_sample_values(world.tweet_metrics(sim, at), None)
            samples.append(TweetSample(tweet_id=int(sim.id), captured_at=at, **values))
    Tweet.objects.bulk_create(tweets)
    TweetSample.objects.bulk_create(samples)


def test_the_sandboxs_best_slots_come_out_on_top(sandbox, alice):
    """@sandbox_demo's last 90 days written from the sandbox's world (the page's default)."""
    world, now = sandbox.world, sandbox.world.epoch + timedelta(days=30)
    user = world.user_by_username("sandbox_demo")
    account = XAccount.objects.create(
        owner=alice, x_user_id=user.id, username=user.username, auth_kind="oauth2", sandbox=True
    )
    write_world_history(world, account, now)

    tz = ZoneInfo(world.timezone("sandbox_demo"))
    result = timing.best_slots([account.pk], tz, now - timedelta(days=90), now)
    best = [(s.weekday, s.hour) for s in result.best]
    print("best slots:", [(s.label, s.median_impressions, s.tweets) for s in result.best])
    # The three slots on top are the sandbox's three; their order among themselves is left
    # to each Tweet's own luck (a median over a dozen Tweets per slot).
    assert set(best) == {(s.weekday, s.hour) for s in world.best_slots("sandbox_demo")}
    others = [s.median_impressions for s in result.slots if s.enough and s not in result.best]
    assert max(others) < min(s.median_impressions for s in result.best)
