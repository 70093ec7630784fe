"""/__sandbox__/takeoff: the world can make a Tweet take off (its organic counts grow k
times as fast from an instant on), seen over real HTTP; the API's shape is unchanged."""

from datetime import datetime, timedelta

import pytest
import requests

from sandbox.world import Takeoff

from .flows import bearer, oauth2_link

FIELDS = "public_metrics,non_public_metrics,organic_metrics,created_at"


@pytest.fixture
def demo(sandbox):
    token = oauth2_link(sandbox, "sandbox_demo")["access_token"]
    session = requests.Session()
    session.headers.update(bearer(token))
    yield session
    sandbox.control("DELETE", "takeoff")


def impressions(sandbox, session, tweet_id) -> int:
    answer = session.get(
        f"{sandbox.url}/2/tweets", params={"ids": tweet_id, "tweet.fields": FIELDS}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["data"][0]["public_metrics"]["impression_count"]


def test_the_next_tweet_takes_off_from_its_posting(sandbox, demo):
    made = sandbox.control(
        "POST", "takeoff", {"username": "sandbox_demo", "next": True, "factor": 20}
    )
    posted = datetime.fromisoformat(made["created_at"])
    assert posted > sandbox.now()
    assert made["at"] == made["created_at"] and made["factor"] == 20
    tweet = sandbox.world.tweet(made["tweet_id"], posted)
    assert tweet.kind != "retweet"
    sandbox.set_clock(posted + timedelta(minutes=30))
    plain = sandbox.world.tweet_metrics(tweet, sandbox.now())["public_metrics"]["impression_count"]
    seen = impressions(sandbox, demo, tweet.id)
    # From its posting, every organic count grows 20 times as fast: 20 times the plain value
    # (give or take the floors of the per-field counts).
    assert 20 * plain - 20 <= seen <= 20 * plain + 20, (plain, seen)
    print(f"takeoff x20: {seen} impressions at 30 min against {plain} without")


def test_a_posted_tweet_takes_off_from_an_instant_and_keeps_what_it_had(sandbox, demo):
    user = sandbox.user("sandbox_demo")
    tweet = next(
        t
        for t in sandbox.world.timeline(user.id, sandbox.now())
        if t.kind == "original" and sandbox.now() - t.created_at > timedelta(hours=1)
    )
    before = impressions(sandbox, demo, tweet.id)
    at = sandbox.now()
    sandbox.control("POST", "takeoff", {"tweet_id": tweet.id, "factor": 10})
    assert impressions(sandbox, demo, tweet.id) == before  # nothing changes at the instant
    sandbox.advance(3600)
    plain = sandbox.world.tweet_metrics(tweet, sandbox.now())["public_metrics"]["impression_count"]
    expected = sandbox.world.tweet_metrics(tweet, sandbox.now(), Takeoff(10, at))
    seen = impressions(sandbox, demo, tweet.id)
    assert seen == expected["public_metrics"]["impression_count"]
    assert seen - before >= 10 * (plain - before) - 10 > 0
    assert sandbox.control("GET", "takeoff")["takeoffs"] == [
        {"tweet_id": tweet.id, "factor": 10.0, "at": at.isoformat()}
    ]
    sandbox.control("DELETE", "takeoff")
    assert impressions(sandbox, demo, tweet.id) == plain


@pytest.mark.parametrize(
    "body",
    [
        {"username": "sandbox_demo", "next": True},
        {"username": "sandbox_demo", "next": True, "factor": 0.5},
        {"username": "sandbox_demo", "next": True, "factor": "fast"},
        {"username": "nobody", "next": True, "factor": 3},
        {"tweet_id": "1", "factor": 3},
        {"username": "sandbox_demo", "next": True, "factor": 3, "at": "2026-11-03T12:00:00"},
    ],
)
def test_bad_takeoffs_are_refused_with_the_reason(sandbox, body):
    answer = requests.post(f"{sandbox.url}/__sandbox__/takeoff", json=body, timeout=10)
    assert answer.status_code == 400
    assert "error" in answer.json()
    assert sandbox.control("GET", "takeoff")["takeoffs"] == []
