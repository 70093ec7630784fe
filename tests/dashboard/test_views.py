"""The dashboard's pages, JSON endpoints and CSV exports, through Django's test client."""

import csv
import io
import json
import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile, XAccount
from dashboard import samples
from tweets import periods, polling, rollups
from tweets.metrics import ENGAGEMENT_FORMULA, ENGAGEMENT_PARTS
from tweets.models import Media, Tweet, TweetSample, VideoSample

pytestmark = pytest.mark.django_db


@pytest.fixture
def polled(clock, link):
    """@sandbox_demo linked by alice and polled three times, an hour apart (its first poll
    reads the last 30 days of Tweets)."""
    account = link("sandbox_demo")
    polling.poll_account(account)
    for _ in range(2):
        clock.advance(3600)
        polling.poll_account(account)
    account.refresh_from_db()
    return account


MINE_POLLED = datetime(2026, 11, 3, 12, tzinfo=UTC)


@pytest.fixture
def mine(alice):
    """alice's account with one Tweet and one sample, written directly (no polling)."""
    now = MINE_POLLED
    account = XAccount.objects.create(
        owner=alice,
        x_user_id="7",
        username="mine",
        auth_kind="oauth2",
        sandbox=True,
        last_poll_at=now,
    )
    tweet = Tweet.objects.create(
        id=5,
        account=account,
        created_at=now - timedelta(hours=2),
        last_sampled_at=now,
        last_polled_at=now,
    )
    TweetSample.objects.create(tweet=tweet, captured_at=now, impressions=10, likes=1)
    return account


@pytest.fixture
def signed_in(client, alice):
    client.force_login(alice)
    return client


def text(answer) -> str:
    return re.sub(r"\s+", " ", answer.content.decode())


# --- landing, empty states, account state ---------------------------------------------


def test_signed_in_people_land_on_the_overview(signed_in):
    answer = signed_in.get("/")
    assert answer.status_code == 302 and answer["Location"] == reverse("dashboard:overview")


def test_empty_states_say_what_comes_next(signed_in, alice):
    page = text(signed_in.get("/dashboard/"))
    assert "Link an account" in page and reverse("accounts:link_oauth2") in page
    XAccount.objects.create(owner=alice, x_user_id="42", username="fresh", auth_kind="oauth2")
    page = text(signed_in.get("/dashboard/"))
    assert "First poll in about two minutes" in page
    assert "overview-data" not in page  # no chart without numbers


def test_needs_reauthorisation_shows_a_relink_button(mine, signed_in):
    XAccount.objects.filter(pk=mine.pk).update(
        state=XAccount.State.NEEDS_REAUTH, state_reason="X refused the stored authorisation."
    )
    page = text(signed_in.get("/dashboard/"))
    assert "Needs re-authorisation" in page and "X refused the stored authorisation." in page
    relink = f'action="{reverse("accounts:link_oauth2")}"'
    assert relink in page and "Re-link @mine" in page
    assert "Sandbox data" in page  # the account's data is labelled as sandbox data


# --- numbers without JavaScript --------------------------------------------------------


def test_overview_numbers_are_in_the_html_and_missing_is_a_dash(polled, signed_in):
    answer = signed_in.get("/dashboard/", {"period": "7"})
    page = text(answer)
    period = periods.last_days(7, Profile.of(polled.owner).zone, timezone.now())
    cards = {k.name: k for k in rollups.kpis([polled.pk], period)}
    assert cards["impressions"].value > 0
    assert f"{cards['impressions'].value:,}" in page
    assert f"{cards['engagement_rate'].value * 100:.1f} %" in page
    assert ENGAGEMENT_FORMULA.capitalize() in page
    assert "As of the last poll" in page
    # Every chart has a table: the hourly impressions are all there, as numbers.
    series = answer.context["series"]
    assert len(series["starts"]) == 7 * 24 and series["interval"] == "hour"
    assert page.count('<tr><th scope="row">') >= 7 * 24 + len(ENGAGEMENT_PARTS)
    # The chart's data is what the JSON endpoint answers for the same query.
    handed = json.loads(re.search(r'id="overview-data"[^>]*>(.*?)</script>', page).group(1))
    api = signed_in.get("/dashboard/api/series.json", {"period": "7"}).json()
    assert (
        handed["series"]["series"] == api["series"] and handed["series"]["starts"] == api["starts"]
    )
    api = signed_in.get("/dashboard/api/engagements.json", {"period": "7"}).json()
    assert handed["engagements"] == api["engagements"]
    # A period nobody polled: every KPI is "—", never 0.
    answer = signed_in.get("/dashboard/", {"start": "2026-01-01", "end": "2026-01-07"})
    assert all(k.value is None for k in answer.context["kpis"])
    cards = re.findall(r'class="kpi-value">([^<]*)<', text(answer))
    assert cards == ["—"] * 9  # seven about Tweets, net follows, follows per 1,000 impressions
    assert all(v is None for v in answer.context["series"]["series"]["organic"])


def test_top_tweets_sort_by_each_metric(polled, signed_in):
    for sort in rollups.TOP_SORTS:
        for order in ("desc", "asc"):
            body = signed_in.get(
                "/dashboard/api/top-tweets.json",
                {"period": "30", "sort": sort, "order": order, "limit": 1000},
            ).json()
            values = [row[sort] for row in body["tweets"]]
            assert len(values) == rollups.tweets_posted([polled.pk], _period(body))
            present = [v for v in values if v is not None]
            assert values[: len(present)] == present, "NULLs sort last"
            assert present == sorted(present, reverse=order == "desc"), (sort, order)
    page = text(signed_in.get("/dashboard/", {"sort": "likes", "order": "desc"}))
    # The sorted column says so, and a second click on it reverses the order.
    header = re.search(r'<th scope="col" aria-sort="descending"><a href="([^"]*)">Likes', page)
    assert header and "sort=likes" in header.group(1) and "order=asc" in header.group(1)


def _period(body) -> periods.Period:
    bounds = body["period"]
    return periods.Period(
        datetime.fromisoformat(bounds["start"]), datetime.fromisoformat(bounds["end"])
    )


def test_links_keep_the_account_and_period(mine, signed_in):
    query = {"account": mine.pk, "start": "2026-10-20", "end": "2026-11-03"}
    answer = signed_in.get("/dashboard/", query)
    assert answer.status_code == 200
    page = answer.content.decode()
    sort_links = re.findall(r'href="(\?[^"]*sort=[^"]*)"', page)
    assert sort_links and all(
        f"account={mine.pk}" in link and "start=2026-10-20" in link for link in sort_links
    )
    quick = re.findall(r'href="(\?[^"]*period=(?:7|30|90)[^"]*)"', page)
    assert len(quick) >= 3 and all(f"account={mine.pk}" in link for link in quick)
    assert answer.context["scope"].days == (
        datetime(2026, 10, 20).date(),
        datetime(2026, 11, 3).date(),
    )


# --- bad queries -----------------------------------------------------------------------


BAD = [
    ("/dashboard/", {"start": "2026-10-30", "end": "2026-10-01"}, "after end"),
    ("/dashboard/", {"start": "30/10/2026", "end": "2026-10-31"}, "YYYY-MM-DD"),
    ("/dashboard/", {"start": "2025-01-01", "end": "2026-02-04"}, "the longest is 366"),
    ("/dashboard/", {"period": "custom"}, "needs both start and end"),
    ("/dashboard/", {"period": "365"}, "period"),
    ("/dashboard/", {"account": "abc"}, "account"),
    ("/dashboard/", {"sort": "retweets_count"}, "sort"),
    ("/dashboard/", {"start": "1900-01-01", "end": "1900-01-02"}, "between"),
    ("/dashboard/overview.csv", {"order": "sideways"}, "order"),
    ("/dashboard/api/kpis.json", {"start": "2026-13-01", "end": "2026-12-01"}, "YYYY-MM-DD"),
    ("/dashboard/api/series.json", {"metric": "followers"}, "metric"),
    ("/dashboard/api/series.json", {"period": "90", "interval": "hour"}, "limit is 2,000"),
    ("/dashboard/api/series.json", {"interval": "minute"}, "interval"),
    ("/dashboard/api/engagements.json", {"account": "12x"}, "account"),
    ("/dashboard/api/top-tweets.json", {"limit": "0"}, "limit"),
    ("/dashboard/api/top-tweets.json", {"account": "1" * 20}, "account"),
    ("/dashboard/compare/", {"ids": "12,abc"}, "not a Tweet id"),
    ("/dashboard/compare/", {"ids": ",".join(str(i) for i in range(1, 12))}, "at most 10"),
    ("/dashboard/compare/", {"window": "2d"}, "window"),
    ("/dashboard/api/compare.json", {"ids": "1", "scale": "log"}, "scale"),
    ("/dashboard/api/compare.json", {}, "ids"),
]


@pytest.mark.parametrize(("path", "query", "message"), BAD)
def test_bad_queries_get_a_400_with_a_message(mine, signed_in, path, query, message):
    answer = signed_in.get(path, query)
    assert answer.status_code == 400
    if ".json" in path:
        assert message in answer.json()["error"]
    else:
        assert message in text(answer)


def test_bad_queries_on_a_tweet_get_a_400(mine, signed_in):
    tweet = Tweet.objects.get(account=mine)
    for path, query in (
        (f"/dashboard/tweets/{tweet.pk}/", {"metric": "views"}),
        (f"/dashboard/tweets/{tweet.pk}/", {"page": "abc"}),
        (f"/dashboard/tweets/{tweet.pk}/", {"page": "2"}),
        (f"/dashboard/api/tweets/{tweet.pk}/gains.json", {"metric": "nope"}),
    ):
        answer = signed_in.get(path, query)
        assert answer.status_code == 400, (path, query)


# --- at most 2,000 points, whatever the range -----------------------------------------


def longest_list(value) -> int:
    if isinstance(value, list):
        return max([len(value), *(longest_list(v) for v in value)])
    if isinstance(value, dict):
        return max([0, *(longest_list(v) for v in value.values())])
    return 0


@pytest.fixture
def dense(alice):
    """A Tweet and its video sampled every 40 seconds for a day, then hourly to day 40
    (3,096 samples each), and a year of hourly rollups: more than any chart may draw."""
    posted = datetime(2025, 11, 1, 9, 2, tzinfo=UTC)
    moments = [posted + timedelta(seconds=40 * i) for i in range(1, 24 * 90 + 1)]
    moments += [posted + timedelta(hours=h) for h in range(25, 40 * 24 + 1)]
    last = moments[-1]
    account = XAccount.objects.create(
        owner=alice,
        x_user_id="9",
        username="dense",
        auth_kind="oauth2",
        last_poll_at=last + timedelta(hours=1),
    )
    tweet = Tweet.objects.create(
        id=1,
        account=account,
        created_at=posted,
        last_sampled_at=last,
        last_polled_at=last + timedelta(hours=1),
    )
    TweetSample.objects.bulk_create(
        TweetSample(
            tweet=tweet, captured_at=m, impressions=10 * i, likes=i, organic_impressions=5 * i
        )
        for i, m in enumerate(moments, start=1)
    )
    video = Media.objects.create(
        media_key="7_1", account=account, type="video", last_sampled_at=last
    )
    tweet.media.add(video)
    VideoSample.objects.bulk_create(
        VideoSample(media=video, captured_at=m, views=i, playback_0=2 * i, playback_100=i)
        for i, m in enumerate(moments, start=1)
    )
    with connection.cursor() as cursor:  # a year of hourly rollups, written by the database
        cursor.execute(
            "INSERT INTO tweets_hourlyrollup (account_id, bucket, context, impressions, likes,"
            " retweets, replies, quotes, bookmarks, url_clicks, profile_clicks, video_views,"
            " video_starts, video_completions)"
            " SELECT %s, b, c, 7, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0"
            " FROM generate_series(%s::timestamptz - interval '366 days', %s, interval '1 hour') b,"
            " unnest(ARRAY['total', 'organic']) c",
            [account.pk, posted, posted],
        )
    return tweet, len(moments)


def test_no_json_series_exceeds_2000_points(dense, signed_in):
    tweet, n = dense
    year = {"start": "2024-11-02", "end": "2025-11-02"}
    paths = [
        ("/dashboard/api/series.json", year),
        ("/dashboard/api/series.json", {**year, "interval": "day"}),
        (
            "/dashboard/api/series.json",
            {"start": "2025-08-01", "end": "2025-11-02", "metric": "engagements"},
        ),
        (
            "/dashboard/api/series.json",
            {"start": "2025-10-01", "end": "2025-11-02", "interval": "hour"},
        ),
        ("/dashboard/api/kpis.json", year),
        ("/dashboard/api/engagements.json", year),
        ("/dashboard/api/top-tweets.json", {**year, "limit": 1000}),
        (f"/dashboard/api/tweets/{tweet.pk}/series.json", {}),
        (f"/dashboard/api/tweets/{tweet.pk}/gains.json", {}),
        (f"/dashboard/api/tweets/{tweet.pk}/video.json", {}),
        *(
            ("/dashboard/api/compare.json", {"ids": tweet.pk, "window": w, "scale": s})
            for w in samples.COMPARE_WINDOWS
            for s in ("raw", "normalised")
        ),
    ]
    longest = {}
    for path, query in paths:
        answer = signed_in.get(path, query)
        assert answer.status_code == 200, (path, query, answer.content[:300])
        longest[(path, tuple(query.items()))] = size = longest_list(answer.json())
        assert size <= periods.MAX_POINTS, (path, query, size)
    print(f"{n} samples; longest JSON list per endpoint:", max(longest.values()))
    # Thinned series still end on the latest sample, then hold it until the last poll.
    body = signed_in.get(f"/dashboard/api/tweets/{tweet.pk}/series.json").json()
    assert body["resolution"] == "hour" and body["samples"] == n
    assert body["metrics"]["impressions"][-2:] == [10 * n, 10 * n]
    assert body["metrics"]["impressions"] == sorted(body["metrics"]["impressions"])
    gains = signed_in.get(f"/dashboard/api/tweets/{tweet.pk}/gains.json").json()
    assert sum(gains["gains"]) == 10 * n  # from zero at posting to the latest value
    video = signed_in.get(f"/dashboard/api/tweets/{tweet.pk}/video.json").json()["videos"][0]
    assert video["views_over_time"]["views"][-1] == n
    assert video["funnel"][0]["count"] == 2 * n
    assert video["funnel"][-1]["retention"] == 0.5
    compare = signed_in.get("/dashboard/api/compare.json", {"ids": tweet.pk, "window": "24h"})
    curve = compare.json()["tweets"][0]
    # The last sample of the first 24 hours (the one at exactly 24 hours is the next day's).
    assert curve["values"][-1] == 10 * (24 * 90 - 1)
    # The page the same data feeds renders too (tables paginated, not 11,520 rows).
    page = signed_in.get(f"/dashboard/tweets/{tweet.pk}/")
    assert page.status_code == 200 and text(page).count("<time") < 100


# --- CSV exports -----------------------------------------------------------------------


def test_csv_of_the_samples_and_of_the_overview_table(polled, signed_in):
    tweet = Tweet.objects.filter(account=polled, promoted=False).order_by("-created_at").first()
    answer = signed_in.get(f"/dashboard/tweets/{tweet.pk}/samples.csv")
    assert answer["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    samples = list(TweetSample.objects.filter(tweet=tweet).order_by("captured_at"))
    assert len(rows) == len(samples) > 1
    assert [int(r["impressions"]) for r in rows] == [s.impressions for s in samples]
    assert rows[-1]["promoted_impressions"] == ""  # missing is empty, never 0
    answer = signed_in.get("/dashboard/overview.csv", {"period": "30", "sort": "likes"})
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    period = periods.last_days(30, Profile.of(polled.owner).zone, timezone.now())
    assert len(rows) == rollups.tweets_posted([polled.pk], period) > 25  # all, not the page's 25
    likes = [int(r["likes"]) for r in rows]
    assert likes == sorted(likes, reverse=True)
    assert "attachment" in answer["Content-Disposition"]


# --- compare ---------------------------------------------------------------------------


def test_compare_says_why_a_cell_is_empty_before_the_first_sample(mine, signed_in):
    """A Tweet first sampled at 3 d 4 h of age has no value at 1, 6, 24 or 72 h, and the
    page says why; a Tweet sampled from its birth gets no such note."""
    now = MINE_POLLED
    late = Tweet.objects.create(
        id=6,
        account=mine,
        created_at=now - timedelta(hours=76),
        last_sampled_at=now,
        last_polled_at=now,
        text="found late",
    )
    TweetSample.objects.create(tweet=late, captured_at=now, impressions=500)
    born = Tweet.objects.create(
        id=7,
        account=mine,
        created_at=now - timedelta(hours=200),
        last_sampled_at=now - timedelta(hours=176),
        last_polled_at=now,
        text="watched from birth",
    )
    for hours, impressions in ((0.25, 3), (1, 40), (24, 90)):
        moment = born.created_at + timedelta(hours=hours)
        TweetSample.objects.create(tweet=born, captured_at=moment, impressions=impressions)

    page = text(signed_in.get("/dashboard/compare/", {"ids": "6", "window": "7d"}))
    assert "first sampled at 3 d 4 h" in page
    assert "Empty: this Tweet was older than that when metricsdash first sampled it." in page
    assert page.count("<sup>*</sup>") == 4  # at 1, 6, 24 and 72 h; at 168 h it is too young

    page = text(signed_in.get("/dashboard/compare/", {"ids": "7", "window": "7d"}))
    assert "first sampled" not in page and "<sup>*</sup>" not in page
    assert "<td>90</td>" in page  # its curve at 24 h


# --- settings --------------------------------------------------------------------------


def test_the_timezone_setting_moves_the_days(mine, signed_in, alice):
    assert signed_in.get("/dashboard/settings/").status_code == 200
    answer = signed_in.post("/dashboard/settings/", {"timezone": "Pacific/Auckland"})
    assert answer.status_code == 302
    assert Profile.of(alice).timezone == "Pacific/Auckland"
    body = signed_in.get(
        "/dashboard/api/kpis.json", {"start": "2026-11-01", "end": "2026-11-01"}
    ).json()
    assert body["period"]["start"] == "2026-10-31T11:00:00Z"  # midnight in Auckland (UTC+13)
    answer = signed_in.post("/dashboard/settings/", {"timezone": "Mars/Olympus"})
    assert answer.status_code == 200 and "Select a valid choice" in text(answer)


def test_the_settings_page_offers_every_zone_and_selects_the_persons(signed_in, alice):
    profile = Profile.of(alice)
    profile.timezone = "Europe/Paris"
    profile.save()
    page = text(signed_in.get("/dashboard/settings/"))
    select = re.search(r'<select name="timezone"[^>]*>(.*?)</select>', page, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    assert [value for value, _, _ in options] == sorted(zoneinfo.available_timezones())
    assert all(value == label for value, _, label in options)
    assert [value for value, selected, _ in options if selected] == ["Europe/Paris"]
    assert len(options) == select.count("<option")  # nothing else in the select
