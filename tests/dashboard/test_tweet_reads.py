"""A Tweet's reads on the histories a real Tweet has, not only bench/dataset.py's regular
5-minute polls: a Tweet younger than an hour, polls missing for hours, samples stored
only when a value changed, a local day across the end of summer time. The SQL reads
(samples.read, samples._video_rows) pick what one pass in Python over every sample picks
(_read_in_python, _video_rows_in_python), so the series, the gains and a video's views are
the same; the Tweet page's samples table says what the template's filters said.
"""

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from accounts.models import Profile, XAccount
from dashboard import samples
from tweets.models import Media, Tweet, TweetSample, VideoSample

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# Summer time ends in Berlin at 01:00 UTC on 25 October 2026: that local day has 25 hours.
POSTED = datetime(2026, 10, 24, 21, 7, 30, tzinfo=UTC)


def _minutes(*offsets: float) -> list[datetime]:
    return [POSTED + timedelta(minutes=m) for m in offsets]


# Each history: the instants of its samples (each one's values change at every sample).
HISTORIES = {
    # three polls in its first 20 minutes
    "younger than an hour": _minutes(2, 7.25, 19.5),
    # every 5 minutes, then nothing for 7 hours, then every 5 minutes again
    "missing polls": _minutes(*range(2, 180, 5), *range(600, 900, 5)),
    # stored only when a value changed: 2 to 95 minutes apart, across the DST change
    "only when changed": _minutes(
        *(sum(2 + (i * 37) % 94 for i in range(n)) for n in range(1, 120))
    ),
}


def _tweet(account, pk: int, moments: list[datetime], media: Media | None = None) -> Tweet:
    last = moments[-1]
    tweet = Tweet.objects.create(
        id=pk,
        account=account,
        created_at=POSTED,
        last_sampled_at=last,
        last_polled_at=last + timedelta(minutes=4),  # the last value holds until then
    )
    TweetSample.objects.bulk_create(
        TweetSample(
            tweet=tweet,
            captured_at=moment,
            impressions=10 * i,
            likes=i // 3,  # changes less often: its gains have zeros
            organic_impressions=7 * i,
            promoted_impressions=None if i % 4 == 0 else 3 * i,  # NULLs X left out
        )
        for i, moment in enumerate(moments, start=1)
    )
    if media is not None:
        tweet.media.add(media)
        VideoSample.objects.bulk_create(
            VideoSample(media=media, captured_at=moment, views=5 * i, playback_0=4 * i)
            for i, moment in enumerate(moments, start=1)
        )
        media.last_sampled_at = last
        media.save()
    return tweet


@pytest.fixture
def tweets(alice):
    profile = Profile.of(alice)
    profile.timezone = "Europe/Berlin"
    profile.save()
    account = XAccount.objects.create(
        owner=alice, x_user_id="7", username="mine", auth_kind="oauth2"
    )
    made = {}
    for pk, (name, moments) in enumerate(HISTORIES.items(), start=1):
        video = Media.objects.create(
            media_key=f"7_{pk}", account=account, type="video", duration_ms=30_000
        )
        made[name] = _tweet(account, pk, moments, video)
    return made


# (MAX_POINTS, timezone): every sample kept; then, as the limit falls, the last per hour
# (empty hours in the gaps) with hourly gains, per UTC day or week, gains per Berlin day.
LIMITS = [(3000, UTC), (100, UTC), (20, BERLIN), (10, UTC), (3, BERLIN), (2, BERLIN)]


@pytest.mark.parametrize("name", HISTORIES)
def test_the_one_read_picks_what_a_pass_over_every_sample_picks(tweets, name, monkeypatch):
    tweet = tweets[name]
    for limit, tz in LIMITS:
        monkeypatch.setattr(samples, "MAX_POINTS", limit)
        gain = samples.gains_interval(tweet)
        for page in (1, 2):
            picked = samples.read(tweet, tz, page, per_page=5)
            params = samples.read_params(tweet, tz, page, per_page=5)
            every = samples._read_in_python(tweet, params, ZoneInfo(params["tz"]))
            print(name, limit, tz, gain, picked.count, len(picked.thin), len(picked.closing))
            assert picked == every
            # gains.json's own read (one metric; no count, series or page) picks the same.
            closings = samples.read_closings(tweet, tz, "likes")
            likes = every.columns["likes"]
            assert closings.first == (every.first[0], every.first[likes])
            assert closings.closing == [(row[0], row[likes]) for row in every.closing]
        assert picked.count == len(HISTORIES[name])
        assert samples.tweet_series(tweet, picked) == samples.tweet_series(tweet, every)
        for metric in ("impressions", "likes", "promoted_impressions"):
            gains = samples.tweet_gains(tweet, metric, tz, every)
            assert samples.tweet_gains(tweet, metric, tz, picked) == gains
            assert samples.tweet_gains(tweet, metric, tz) == gains  # through read_closings


@pytest.mark.parametrize("name", HISTORIES)
def test_a_videos_read_picks_what_a_pass_over_every_sample_picks(tweets, name, monkeypatch):
    tweet = tweets[name]
    span = tweet.last_sampled_at - tweet.created_at
    for limit, _ in LIMITS:
        monkeypatch.setattr(samples, "MAX_POINTS", limit)
        params = {"media": [f"7_{tweet.pk}"], "max": limit, "thin": samples.thinning_bucket(span)}
        picked = samples._video_rows(params)
        every = samples._video_rows_in_python(params)
        print(name, limit, params["thin"], len(picked), "of", len(HISTORIES[name]))
        assert picked == every
        assert picked[-1]["captured_at"] == tweet.last_sampled_at
        assert (len(picked) < len(HISTORIES[name])) == (limit <= len(HISTORIES[name]))


def test_a_videos_read_keeps_each_video_apart(tweets, monkeypatch):
    """Two videos in one read, one with too many samples and one with few enough."""
    monkeypatch.setattr(samples, "MAX_POINTS", 10)
    media = ["7_1", "7_2", "7_3"]  # 3, 96 and 119 samples
    for thin in ("hour", "day"):
        params = {"media": media, "max": 10, "thin": thin}
        picked = samples._video_rows(params)
        assert picked == samples._video_rows_in_python(params)
        assert [row["media_id"] for row in picked][:3] == ["7_1"] * 3


OLD_ROW = Template(
    "{% load dashboard %}<time datetime=\"{{ moment|date:'c' }}\">"
    '{{ moment|date:"j M, H:i" }}</time></th>\n          <td>{{ age|age }}</td>'
)


def test_the_samples_table_says_what_the_templates_filters_said(client, alice, tweets):
    """Its rows are written in Python now: the instant in the person's zone (across the end
    of summer time), the age, every metric cell, as the template's filters wrote them."""
    client.force_login(alice)
    tweet = tweets["only when changed"]
    moments = HISTORIES["only when changed"][::-1]
    for page in (1, 2, 3):
        html = client.get(f"/dashboard/tweets/{tweet.pk}/?page={page}").content.decode()
        rows = re.findall(r'<th scope="row">(<time.*?</td>)', html, re.S)
        assert len(rows) == min(50, len(moments) - (page - 1) * 50)
        with timezone.override(BERLIN):
            expected = [
                OLD_ROW.render(Context({"moment": m, "age": (m - POSTED).total_seconds() / 3600}))
                for m in moments[(page - 1) * 50 : page * 50]
            ]
        assert rows == expected
    assert "+01:00" in html and "+02:00" in html  # both sides of the change


def test_the_pages_chart_data_is_the_json_endpoints_without_instants(client, alice, tweets):
    client.force_login(alice)
    tweet = tweets["missing polls"]
    html = client.get(f"/dashboard/tweets/{tweet.pk}/?metric=likes").content.decode()
    found = re.search(r'<script id="tweet-data" type="application/json">(.*?)</script>', html)
    data = json.loads(found.group(1))
    series = client.get(f"/dashboard/api/tweets/{tweet.pk}/series.json").json()
    gains = client.get(f"/dashboard/api/tweets/{tweet.pk}/gains.json?metric=likes").json()
    videos = client.get(f"/dashboard/api/tweets/{tweet.pk}/video.json").json()["videos"]
    assert series.pop("captured_at") and gains.pop("starts")
    for video in videos:
        assert video["views_over_time"].pop("captured_at")
    assert data["series"] == series and data["gains"] == gains and data["videos"] == videos
