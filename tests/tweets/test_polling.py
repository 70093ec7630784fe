"""The poller against the sandbox over real HTTP, on Postgres (DESIGN.md section 5)."""

import math
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import XAccount
from tweets import polling, tasks
from tweets.models import HourlyRollup, PollRun, Tweet, TweetSample, VideoSample
from tweets.schedule import Schedule

pytestmark = pytest.mark.django_db

V2_ENDPOINTS = ("users_me", "users_tweets", "tweets_lookup", "tweet_lookup")


def v2_requests(x_api) -> int:
    return sum(x_api.requests_made(endpoint) for endpoint in V2_ENDPOINTS)


def claimed_ids() -> list[int]:
    """The accounts a tick would claim now (each due before the next tick)."""
    return [pk for pk, _slot in tasks.claim_due_accounts()]


def only_run(account) -> PollRun:
    runs = polling.poll_account(account)
    assert runs[0].outcome == PollRun.Outcome.OK, runs[0].error
    return runs[0]


def world_recent(x_api, username, now):
    """The Tweets a first poll discovers: the last 30 days (less the poller's one-minute margin)."""
    user = x_api.user(username)
    window = timedelta(days=30) - timedelta(minutes=1)
    return [t for t in x_api.world.timeline(user.id, now) if now - t.created_at <= window]


def test_first_poll_keeps_every_tweet_of_the_last_30_days(clock, link):
    account = link("sandbox_demo")
    run = only_run(account)
    expected = world_recent(clock.control, "sandbox_demo", clock.now())
    # Retweets too: discovery reads the public timeline, every kind of Tweet.
    assert set(Tweet.objects.filter(account=account).values_list("id", flat=True)) == {
        int(t.id) for t in expected
    }
    assert run.tweets_sampled == len(expected)
    assert TweetSample.objects.filter(tweet__account=account).count() == len(expected)
    tweet = expected[0]
    sample = TweetSample.objects.get(tweet_id=int(tweet.id))
    metrics = clock.control.world.tweet_metrics(tweet, clock.now())
    assert sample.impressions == metrics["public_metrics"]["impression_count"]
    assert sample.organic_likes == metrics["organic_metrics"]["like_count"]
    assert sample.url_clicks == metrics["non_public_metrics"]["url_link_clicks"]
    promoted = [t for t in expected if t.promoted]
    assert set(
        Tweet.objects.filter(account=account, promoted=True).values_list("id", flat=True)
    ) == {int(t.id) for t in promoted}
    account.refresh_from_db()
    assert account.has_promoted is bool(promoted)
    assert account.newest_tweet_id == max(int(t.id) for t in expected)
    assert VideoSample.objects.filter(media__account=account).exists()


def test_requests_per_poll_are_one_plus_ceil_n_over_100(clock, link):
    x_api = clock.control
    account = link("sandbox_big")
    only_run(account)  # discovery of ~3,000 Tweets; every one is now freshly polled
    young_plain = list(
        Tweet.objects.filter(account=account, promoted=False)
        .exclude(kind=Tweet.Kind.RETWEET)
        .order_by("-created_at")
        .values_list("id", flat=True)[:250]
    )
    assert len(young_plain) == 250
    for n in (1, 100, 101, 250):
        Tweet.objects.filter(account=account).update(last_polled_at=timezone.now())
        Tweet.objects.filter(pk__in=young_plain[:n]).update(last_polled_at=None)
        x_api.control("DELETE", "requests")
        run = only_run(account)
        expected = 1 + math.ceil(n / 100)
        assert (n, run.requests_made, v2_requests(x_api)) == (n, expected, expected)
        assert run.tweets_sampled == n


def test_promoted_batch_only_when_paid_reach_moved(clock, link):
    x_api, world = clock.control, clock.control.world
    account = link("sandbox_demo")
    only_run(account)
    user = x_api.user("sandbox_demo")
    promoted = max(
        (t for t in world.timeline(user.id, clock.now()) if t.promoted),
        key=lambda t: t.created_at,
    )
    assert Tweet.objects.get(pk=int(promoted.id)).promoted

    def only_it_due() -> PollRun:
        Tweet.objects.filter(account=account).update(last_polled_at=timezone.now())
        Tweet.objects.filter(pk=int(promoted.id)).update(last_polled_at=None)
        x_api.control("DELETE", "requests")
        return only_run(account)

    # At the same instant its paid reach has not moved: the lookup alone.
    assert only_it_due().requests_made == 1 + 1
    before = world.tweet_metrics(promoted, clock.now())["promoted_metrics"]
    clock.advance(300)
    after = world.tweet_metrics(promoted, clock.now())["promoted_metrics"]
    assert before != after, "the world's youngest promoted Tweet gains paid reach in 5 minutes"
    assert only_it_due().requests_made == 1 + 1 + 1  # discovery, the lookup, the promoted batch
    sample = TweetSample.objects.filter(tweet_id=int(promoted.id)).latest("captured_at")
    assert sample.promoted_impressions == after["impression_count"]
    assert sample.impressions == sample.organic_impressions + sample.promoted_impressions


def test_private_until_the_final_snapshot_then_public_only(clock, link):
    """Poll one Tweet at day 0, 3, 29 (the final snapshot) and 31 of its life."""
    x_api = clock.control
    user = x_api.user("sandbox_demo")
    start = clock.now()
    tweet = next(
        t
        for t in reversed(x_api.world.timeline(user.id, start + timedelta(days=1)))
        if t.created_at > start and t.kind == "original"
    )
    clock.move_to(tweet.created_at + timedelta(minutes=2))
    account = link("sandbox_demo")
    ages = {
        "day 0": timedelta(minutes=2),
        "day 3": timedelta(days=3),
        "day 29": timedelta(days=30) - timedelta(minutes=30),
        "day 31": timedelta(days=31),
    }
    seen = {}
    for label, age in ages.items():
        clock.move_to(tweet.created_at + age)
        account.refresh_from_db()
        runs = polling.poll_account(account)
        assert all(r.outcome == PollRun.Outcome.OK for r in runs), [r.error for r in runs]
        seen[label] = TweetSample.objects.filter(tweet_id=int(tweet.id)).latest("captured_at")
    for label in ("day 0", "day 3", "day 29"):
        assert seen[label].organic_impressions is not None, label
        assert seen[label].url_clicks is not None, label
    assert seen["day 31"].captured_at == timezone.now().replace(microsecond=0)
    assert seen["day 31"].organic_impressions is None
    assert seen["day 31"].url_clicks is None
    assert seen["day 31"].impressions >= seen["day 29"].impressions
    final = Tweet.objects.get(pk=int(tweet.id)).final_private_at
    assert final == (tweet.created_at + ages["day 29"]).replace(microsecond=0)
    assert x_api.requests_made("private_fields_refused") == 0


def test_replay_and_unchanged_tweets_write_nothing_and_rollups_add_up(clock, link):
    account = link("sandbox_demo")
    only_run(account)
    samples = TweetSample.objects.count()
    rollups = list(HourlyRollup.objects.order_by("pk").values())

    # Replay the same poll at the same instant: everything looked up again, nothing written.
    Tweet.objects.filter(account=account).update(last_polled_at=None)
    replay = only_run(account)
    assert replay.tweets_sampled > 0
    assert replay.samples_written == 0
    assert TweetSample.objects.count() == samples
    assert list(HourlyRollup.objects.order_by("pk").values()) == rollups

    # Ten minutes on, young Tweets grew and old ones did not: only changed Tweets sampled.
    clock.advance(600)
    Tweet.objects.filter(account=account).update(last_polled_at=None)
    later = only_run(account)
    assert 0 < later.samples_written < later.tweets_sampled
    instant = timezone.now().replace(microsecond=0)
    written = TweetSample.objects.filter(captured_at=instant)
    assert written.count() + VideoSample.objects.filter(captured_at=instant).count() == (
        later.samples_written
    )

    # Hourly rollups equal the sums of the sample deltas, computed independently.
    for context, column in (
        ("total", "impressions"),
        ("organic", "organic_impressions"),
        ("total", "likes"),
        ("promoted", "promoted_impressions"),
    ):
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT COALESCE(SUM(delta), 0) FROM (
                    SELECT {column} - COALESCE(
                        LAG({column}) OVER (PARTITION BY tweet_id ORDER BY captured_at), 0
                    ) AS delta
                    FROM tweets_tweetsample s JOIN tweets_tweet t ON t.id = s.tweet_id
                    WHERE t.account_id = %s AND {column} IS NOT NULL
                ) deltas
                """,
                [account.pk],
            )
            (expected,) = cursor.fetchone()
        field = column.removeprefix(f"{context}_")
        rows = HourlyRollup.objects.filter(account=account, context=context)
        assert sum(getattr(r, field) for r in rows) == expected, (context, column)


def test_429_reschedules_to_the_reset_and_sends_nothing_before(clock, link):
    x_api = clock.control
    account = link("sandbox_demo")
    only_run(account)
    Tweet.objects.filter(account=account).update(last_polled_at=None)
    samples = TweetSample.objects.count()
    x_api.fault(kind="rate_limit", reset_in=600, endpoint="tweets_lookup", times=1)
    (run, *_) = polling.poll_account(account)
    assert run.outcome == PollRun.Outcome.RATE_LIMITED
    assert TweetSample.objects.count() == samples  # nothing partial
    account.refresh_from_db()
    reset = clock.now() + timedelta(seconds=600)
    assert reset < account.next_poll_at <= reset + timedelta(seconds=polling.RATE_LIMIT_JITTER)

    x_api.control("DELETE", "requests")
    for minutes in (1, 5, 9):
        clock.move_to(reset - timedelta(minutes=10 - minutes))
        assert claimed_ids() == []
    # Even a forced poll before the reset sends no lookup: the shared budget refuses it.
    (forced, *_) = polling.poll_account(account)
    assert forced.outcome == PollRun.Outcome.RATE_LIMITED
    assert x_api.requests_made("tweets_lookup") == 0

    clock.move_to(account.next_poll_at)
    assert claimed_ids() == [account.pk]


def test_server_errors_are_retried_and_the_poll_completes(clock, link):
    x_api = clock.control
    account = link("sandbox_demo")
    only_run(account)
    Tweet.objects.filter(account=account).update(last_polled_at=None)
    x_api.control("DELETE", "requests")
    x_api.fault(kind="server_error", status=503, endpoint="tweets_lookup", times=2)
    run = only_run(account)
    lookups = math.ceil(run.tweets_sampled / 100)
    # + two retries; no promoted batch: at the same instant no paid reach moved
    assert run.requests_made == 1 + lookups + 2


def test_revoked_token_needs_reauthorisation_and_polling_stops(clock, link):
    x_api = clock.control
    account = link("sandbox_demo", kind="oauth1")
    x_api.control("POST", "revoke", {"user_id": account.x_user_id})
    (run,) = polling.poll_account(account)
    assert run.outcome == PollRun.Outcome.UNAUTHORIZED
    account.refresh_from_db()
    assert account.state == XAccount.State.NEEDS_REAUTH
    assert "Re-link" in account.state_reason
    assert account.next_poll_at is None
    clock.advance(3600)
    assert claimed_ids() == []


def test_answers_slower_than_the_read_timeout_fail_the_run_and_store_nothing(clock, link, settings):
    x_api = clock.control
    account = link("sandbox_demo")
    settings.X_HTTP_TIMEOUT = (5.0, 0.3)
    settings.X_RETRY_ATTEMPTS = 2
    x_api.fault(kind="slow", seconds=1, endpoint="users_tweets", times=2)  # every attempt
    (run,) = polling.poll_account(account)
    assert run.outcome == PollRun.Outcome.FAILED
    assert "ServerError" in run.error and "Timeout" in run.error
    assert run.requests_made == 2  # retried once, then given up: no retry storm
    assert not TweetSample.objects.exists()
    account.refresh_from_db()
    assert account.next_poll_at == clock.now() + Schedule.from_settings().discovery_interval


def test_malformed_json_fails_the_run_and_stores_nothing(clock, link):
    x_api = clock.control
    account = link("sandbox_demo")
    x_api.fault(kind="malformed_json", endpoint="users_tweets", times=1)
    (run,) = polling.poll_account(account)
    assert run.outcome == PollRun.Outcome.FAILED
    assert "BadResponse" in run.error
    assert not Tweet.objects.exists()
    assert not TweetSample.objects.exists()
    assert not HourlyRollup.objects.exists()


def test_claims_are_won_once(clock, link):
    account = link("sandbox_demo")
    assert claimed_ids() == [account.pk]
    assert claimed_ids() == []  # a second beat, or a replayed tick
    account.refresh_from_db()
    assert account.next_poll_at > clock.now()


def test_a_second_poll_in_the_same_second_keeps_the_first_samples(clock, link):
    account = link("sandbox_demo")
    only_run(account)
    samples = TweetSample.objects.count()
    clock.control.advance(600)  # X moved on; the product's clock did not (same second)
    Tweet.objects.filter(account=account).update(last_polled_at=None)
    again = only_run(account)
    assert again.samples_written == 0
    assert TweetSample.objects.count() == samples
