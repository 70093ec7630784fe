"""The account's audience, read during polls from the sandbox over real HTTP."""

import itertools
import math
from datetime import timedelta

import pytest
from django.db import connection

from accounts.tokens import budget_key
from tweets import audience, polling
from tweets.models import AudienceHourly, AudienceSample, PollRun, TweetSample
from xapi.client import BadResponse, CacheRateBudget, RateLimit

pytestmark = pytest.mark.django_db

TWEET_ENDPOINTS = ("users_tweets", "tweets_lookup", "tweet_lookup")


def counts(x_api) -> dict[str, int]:
    return {e: x_api.requests_made(e) for e in (*TWEET_ENDPOINTS, "users_me")}


def poll(account) -> PollRun:
    runs = polling.poll_account(account)
    assert runs[0].outcome == PollRun.Outcome.OK, runs[0].error
    return runs[0]


def test_follower_series_equals_the_sandbox_at_the_polled_instants(clock, link):
    x_api = clock.control
    account = link("sandbox_demo")
    user = x_api.user("sandbox_demo")
    reads, per_poll = [], []
    # Every 20 minutes for 8 hours: the audience is read at most hourly.
    for step in range(25):
        if step:
            clock.advance(20 * 60)
        before = counts(x_api)
        runs = polling.poll_account(account)
        after = counts(x_api)
        run = runs[0]
        assert all(r.outcome == PollRun.Outcome.OK for r in runs)
        users_me = after["users_me"] - before["users_me"]
        tweet_requests = sum(after[e] - before[e] for e in TWEET_ENDPOINTS)
        assert sum(r.requests_made for r in runs) == tweet_requests + users_me
        assert not any(r.audience_read for r in runs[1:])  # the daily public sweep
        if step:
            # The Tweet bound (discovery, the lookups, one promoted batch); the first poll
            # pages through 30 days of timeline instead.
            assert tweet_requests <= 2 + math.ceil(run.tweets_sampled / 100)
        assert users_me == int(run.audience_read) <= 1
        if run.audience_read:
            reads.append(run.started_at)
        per_poll.append((tweet_requests, users_me))
    print(f"(Tweet requests, users/me requests) per poll: {per_poll}")
    assert len(reads) == 9  # hours 0..8: one read per hour, never two in the same hour
    assert all(b - a == timedelta(hours=1) for a, b in itertools.pairwise(reads))

    samples = list(AudienceSample.objects.filter(account=account).order_by("captured_at"))
    assert samples[0].captured_at == reads[0]
    for instant in reads:
        world = x_api.world.user_metrics(user.id, instant)
        stored = [s for s in samples if s.captured_at <= instant][-1]
        assert (stored.followers, stored.following, stored.tweets, stored.listed, stored.likes) == (
            world["followers_count"],
            world["following_count"],
            world["tweet_count"],
            world["listed_count"],
            world["like_count"],
        )
    # Written only when something changed: no two consecutive samples are equal.
    values = [tuple(getattr(s, c) for c in AudienceSample.COLUMNS) for s in samples]
    assert all(a != b for a, b in itertools.pairwise(values))

    # Net follows per hour, checked against the sandbox's own series (independent of our SQL).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT bucket, net_follows FROM tweets_audiencehourly WHERE account_id = %s"
            " ORDER BY bucket",
            [account.pk],
        )
        hourly = dict(cursor.fetchall())
    world_series = [x_api.world.followers(user.id, instant) for instant in reads]
    expected = {}
    for instant, previous, now in zip(reads[1:], world_series[:-1], world_series[1:], strict=True):
        if now != previous:
            expected[instant.replace(minute=0, second=0, microsecond=0)] = now - previous
    assert hourly == expected
    print(
        f"followers at the {len(reads)} reads: {world_series};"
        f" samples written: {len(samples)}; net follows per hour: {list(hourly.values())}"
    )
    assert sum(hourly.values()) == world_series[-1] - world_series[0] != 0


def test_missing_is_null_and_a_replay_writes_nothing(clock, link):
    account = link("sandbox_other")  # X's spec makes like_count optional; this user omits it
    run = poll(account)
    assert run.audience_read
    sample = AudienceSample.objects.get(account=account)
    world = clock.control.world.user_metrics(account.x_user_id, clock.now())
    assert "like_count" not in world
    assert sample.likes is None
    assert sample.followers == world["followers_count"]
    # The same instant again, the read forced: nothing new is written.
    instant = sample.captured_at
    with_audience = polling.Fetched(
        audience=audience.audience_values(
            {"id": account.x_user_id, "public_metrics": world}, account
        )
    )
    polling.store(account, with_audience, instant, final=set())
    assert AudienceSample.objects.filter(account=account).count() == 1
    assert not AudienceHourly.objects.filter(account=account).exists()


def test_a_tight_users_me_budget_skips_the_read_but_not_the_poll(clock, link):
    x_api = clock.control
    account = link("sandbox_demo")
    reset = clock.now() + timedelta(minutes=10)
    CacheRateBudget().set(
        f"{budget_key(account)}:users_me",
        RateLimit(limit=75, remaining=audience.USERS_ME_RESERVE - 1, reset=reset),
    )
    run = poll(account)
    assert not run.audience_read
    assert x_api.requests_made("users_me") == 0
    assert run.tweets_sampled > 0
    assert not AudienceSample.objects.exists()
    # Once the window has reset, the next poll reads it.
    clock.move_to(reset)
    assert poll(account).audience_read
    assert x_api.requests_made("users_me") == 1


def test_a_failing_users_me_is_tried_once_and_the_tweets_are_still_stored(clock, link):
    x_api = clock.control
    account = link("sandbox_demo")
    x_api.fault(kind="server_error", status=503, endpoint="users_me", times=3)
    run = poll(account)
    assert not run.audience_read
    assert x_api.requests_made("users_me") == 1
    assert run.samples_written > 0
    assert not AudienceSample.objects.exists()


@pytest.mark.parametrize(
    ("user", "reason"),
    [
        ({"id": "1", "public_metrics": {}}, "another user"),
        ({"id": None, "public_metrics": {"followers_count": 3}}, "another user"),
        ({"public_metrics": []}, "not an object"),
        ({"public_metrics": {"followers_count": "12"}}, "followers_count is not a count"),
        ({"public_metrics": {"listed_count": -1}}, "listed_count is not a count"),
    ],
)
def test_malformed_public_metrics_are_refused(user, reason, clock, link):
    account = link("sandbox_demo")
    user = {"id": account.x_user_id, **user}
    with pytest.raises(BadResponse, match=reason):
        audience.audience_values(user, account)


def test_a_malformed_users_me_fails_the_poll_and_stores_nothing(clock, link):
    x_api = clock.control
    account = link("sandbox_demo")
    x_api.fault(kind="malformed_json", endpoint="users_me", times=1)
    (run,) = polling.poll_account(account)
    assert run.outcome == PollRun.Outcome.FAILED
    assert "BadResponse" in run.error
    assert not TweetSample.objects.exists()
    assert not AudienceSample.objects.exists()


def test_public_metrics_left_out_entirely_are_all_null(clock, link):
    account = link("sandbox_demo")
    values = audience.audience_values({"id": account.x_user_id}, account)
    assert values == dict.fromkeys(AudienceSample.COLUMNS)
