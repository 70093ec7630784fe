"""Requests per poll at the documented bound, first poll included (docs/OPERATIONS.md,
"Requests per poll"), counted in the sandbox's request log; the sweep right after a first
poll sends nothing it already knows."""

import math
from datetime import timedelta

import pytest

from tweets import polling
from tweets.models import PollRun, Tweet, TweetSample

pytestmark = pytest.mark.django_db

V2_ENDPOINTS = ("users_me", "users_tweets", "tweets_lookup", "tweet_lookup")


def logged(x_api) -> dict[str, int]:
    return {e: x_api.requests_made(e) for e in V2_ENDPOINTS}


@pytest.mark.parametrize("username", ["sandbox_demo", "sandbox_newcomer"])
def test_first_poll_meets_the_bound_and_its_sweep_sends_nothing(clock, link, username):
    x_api, now = clock.control, clock.now()
    account = link(username)
    # The bound from the world: every Tweet of the last 30 days (the poller's one-minute
    # margin) on public pages, the own ones looked up, those with paid reach asked for it.
    user = x_api.user(username)
    new = [
        t
        for t in x_api.world.timeline(user.id, now)
        if t.created_at >= now - timedelta(days=30) + timedelta(minutes=1)
    ]
    own = [t for t in new if t.kind != "retweet"]
    paid = [
        t
        for t in own
        if t.promoted and any(x_api.world.tweet_metrics(t, now)["promoted_metrics"].values())
    ]
    pages, lookups, promoted = (
        math.ceil(len(new) / 100),
        math.ceil(len(own) / 100),
        math.ceil(len(paid) / 100),
    )

    poll, sweep = polling.poll_account(account)
    assert (poll.outcome, sweep.outcome) == (PollRun.Outcome.OK, PollRun.Outcome.OK)
    print(
        f"@{username}: {len(new)} new, {len(own)} own, {len(paid)} with paid reach: {logged(x_api)}"
    )
    assert logged(x_api) == {
        "users_tweets": pages,
        "tweets_lookup": lookups + promoted,
        "users_me": 1,
        "tweet_lookup": 0,
    }
    assert poll.requests_made == pages + lookups + promoted + 1
    assert sweep.requests_made == 0
    assert Tweet.objects.filter(account=account).count() == len(new)


def test_a_tweet_promoted_after_its_first_sample_is_found_by_the_next_poll_that_reads_it(
    clock, link
):
    """No daily promoted re-check: the totals of a due Tweet show its paid reach."""
    x_api, world = clock.control, clock.control.world
    account = link("sandbox_demo")
    polling.poll_account(account)
    promoted = max(
        (t for t in world.timeline(x_api.user("sandbox_demo").id, clock.now()) if t.promoted),
        key=lambda t: t.created_at,
    )
    # As if it had been promoted after its first sample: never promoted, no promoted count.
    Tweet.objects.filter(pk=int(promoted.id)).update(promoted=False, last_polled_at=None)
    TweetSample.objects.filter(tweet_id=int(promoted.id)).update(
        **dict.fromkeys(polling.PROMOTED_COLUMNS)
    )
    Tweet.objects.filter(account=account).exclude(pk=int(promoted.id)).update(
        last_polled_at=clock.now()
    )
    clock.advance(300)
    Tweet.objects.filter(account=account).exclude(pk=int(promoted.id)).update(
        last_polled_at=clock.now()
    )
    x_api.control("DELETE", "requests")
    account.refresh_from_db()
    (run,) = polling.poll_account(account)
    assert run.requests_made == 1 + 1 + 1  # discovery, the lookup, the promoted batch
    assert Tweet.objects.get(pk=int(promoted.id)).promoted
    sample = TweetSample.objects.filter(tweet_id=int(promoted.id)).latest("captured_at")
    paid = world.tweet_metrics(promoted, clock.now())["promoted_metrics"]
    assert sample.promoted_impressions == paid["impression_count"]
