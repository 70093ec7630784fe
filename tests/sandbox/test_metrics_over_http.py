"""The simulated world as a client sees it: deterministic bodies, plausible growth,
totals equal to organic plus promoted, video quartiles in decreasing order."""

from datetime import timedelta

import pytest
import requests

from .flows import bearer, oauth2_link

FIELDS = "public_metrics,non_public_metrics,organic_metrics,created_at,attachments"
MEDIA = "public_metrics,non_public_metrics,organic_metrics,promoted_metrics,duration_ms"


@pytest.fixture
def demo(sandbox):
    token = oauth2_link(sandbox, "sandbox_demo")["access_token"]
    session = requests.Session()
    session.headers.update(bearer(token))
    return session


def own_recent(sandbox, hours=30 * 24 - 1):
    user = sandbox.user("sandbox_demo")
    now = sandbox.now()
    return [
        t
        for t in sandbox.world.timeline(user.id, now)
        if now - t.created_at < timedelta(hours=hours)
    ]


def lookup(sandbox, session, ids, fields=FIELDS):
    answer = session.get(
        f"{sandbox.url}/2/tweets",
        params={
            "ids": ",".join(ids),
            "tweet.fields": fields,
            "expansions": "attachments.media_keys",
            "media.fields": MEDIA,
        },
        timeout=10,
    )
    assert answer.status_code == 200
    return answer


def test_same_instant_same_bytes(sandbox, demo):
    ids = [t.id for t in own_recent(sandbox)[:100]]
    first = lookup(sandbox, demo, ids).content
    second = lookup(sandbox, demo, ids).content
    assert first == second
    sandbox.advance(300)  # a different instant gives different numbers
    assert lookup(sandbox, demo, ids).content != first


def test_young_tweets_grow_over_minutes(sandbox, demo):
    young = [t for t in own_recent(sandbox, hours=6) if t.kind == "original"]
    assert young, "the demo user posts several Tweets in any six hours"
    ids = [t.id for t in young]
    before = {t["id"]: t for t in lookup(sandbox, demo, ids).json()["data"]}
    sandbox.advance(10 * 60)
    after = {t["id"]: t for t in lookup(sandbox, demo, ids).json()["data"]}
    grew = [
        i
        for i in ids
        if after[i]["public_metrics"]["impression_count"]
        > before[i]["public_metrics"]["impression_count"]
    ]
    assert len(grew) == len(ids)
    for i in ids:  # plausible: growth, not a jump to a different order of magnitude
        old, new = (x[i]["public_metrics"]["impression_count"] for x in (before, after))
        assert new < max(old * 3, old + 5000)


def test_totals_equal_organic_plus_promoted(sandbox, demo):
    tweets = own_recent(sandbox)
    promoted = [t.id for t in tweets if t.promoted][:20]
    assert promoted, "some demo Tweets are promoted"
    plain = {t["id"]: t for t in lookup(sandbox, demo, promoted).json()["data"]}
    paid = {
        t["id"]: t["promoted_metrics"]
        for t in lookup(sandbox, demo, promoted, "promoted_metrics").json()["data"]
    }
    for tweet_id in promoted:
        organic, public = plain[tweet_id]["organic_metrics"], plain[tweet_id]["public_metrics"]
        private = plain[tweet_id]["non_public_metrics"]
        for name in ("impression_count", "like_count", "reply_count", "retweet_count"):
            assert public[name] == organic[name] + paid[tweet_id][name], name
        for name in ("impression_count", "url_link_clicks", "user_profile_clicks"):
            assert private[name] == organic[name] + paid[tweet_id][name], name


def test_video_quartiles_decrease_and_split(sandbox, demo):
    with_video = [
        t.id for t in own_recent(sandbox) if any(k.startswith("7_") for k in t.media_keys)
    ]
    body = lookup(sandbox, demo, with_video[:100]).json()
    videos = [m for m in body["includes"]["media"] if m["type"] == "video"]
    assert videos
    for media in videos:
        for group in ("non_public_metrics", "organic_metrics"):
            counts = [media[group][f"playback_{q}_count"] for q in (0, 25, 50, 75, 100)]
            assert counts == sorted(counts, reverse=True)
        paid = media.get("promoted_metrics", {})
        for q in (0, 25, 50, 75, 100):
            name = f"playback_{q}_count"
            assert media["non_public_metrics"][name] == media["organic_metrics"][name] + paid.get(
                name, 0
            )
        assert media["public_metrics"]["view_count"] == (
            media["organic_metrics"]["view_count"] + paid.get("view_count", 0)
        )
