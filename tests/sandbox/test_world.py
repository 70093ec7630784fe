"""The simulated X world: determinism, ids, timelines, content and metric curves."""

import dataclasses
import hashlib
import itertools
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sandbox.world import HISTORY, TWITTER_EPOCH_MS, BestSlot, SimTweet, World

SEED = 424242
EPOCH = datetime(2026, 3, 1, 12, tzinfo=UTC)
NOW = EPOCH
START = EPOCH - HISTORY
INT32_CAP = 2_000_000_000
USERNAMES = (
    "sandbox_demo",
    "sandbox_newcomer",
    "sandbox_big",
    "sandbox_private",
    "sandbox_other",
)
PUBLIC_FIELDS = {
    "retweet_count",
    "reply_count",
    "like_count",
    "quote_count",
    "bookmark_count",
    "impression_count",
}
NON_PUBLIC_FIELDS = {"impression_count", "url_link_clicks", "user_profile_clicks"}
ORGANIC_FIELDS = {
    "impression_count",
    "like_count",
    "reply_count",
    "retweet_count",
    "url_link_clicks",
    "user_profile_clicks",
}
PLAYBACK_FIELDS = [f"playback_{p}_count" for p in (0, 25, 50, 75, 100)]


@pytest.fixture(scope="module")
def world() -> World:
    return World(SEED, EPOCH)


def _timeline(world: World, username: str, now: datetime = NOW) -> list[SimTweet]:
    return world.timeline(world.user_by_username(username).id, now)


def _ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _video_keys(tweets: list[SimTweet]) -> list[str]:
    return sorted({key for t in tweets for key in t.media_keys if key.startswith("7_")})


def fingerprint(seed: int = SEED) -> str:
    """A JSON dump of a sample of a fresh world: Tweets, media and metrics at two instants."""
    world = World(seed, EPOCH)
    record = []
    for user in world.users:
        record.append(dataclasses.asdict(user))
        # The big account's first week is plenty and keeps this cheap.
        until = START + timedelta(days=7) if user.username == "sandbox_big" else NOW
        record.append(world.user_metrics(user.id, until))
        for tweet in world.timeline(user.id, until)[::5]:
            record.append(dataclasses.asdict(tweet))
            for now in (NOW - timedelta(days=3, seconds=17), NOW):
                record.append(world.tweet_metrics(tweet, now))
            for key in tweet.media_keys:
                media = world.media(key, NOW)
                record.append([dataclasses.asdict(media), world.media_metrics(media, NOW)])
    return json.dumps(record, default=str, sort_keys=True)


def fingerprint_digest() -> str:
    return hashlib.sha256(fingerprint().encode()).hexdigest()


def _assert_tweet_metrics_consistent(tweet: SimTweet, metrics: dict) -> None:
    """Field sets, totals == organic + promoted, and int32 bounds for one Tweet."""
    if tweet.kind == "retweet":  # public counts only (FACTS.md)
        assert set(metrics) == {"public_metrics"}
        assert set(metrics["public_metrics"]) == PUBLIC_FIELDS
        assert all(
            type(v) is int and 0 <= v <= INT32_CAP for v in metrics["public_metrics"].values()
        )
        return
    groups = {"public_metrics", "non_public_metrics", "organic_metrics"}
    assert set(metrics) == (groups | {"promoted_metrics"} if tweet.promoted else groups)
    assert set(metrics["public_metrics"]) == PUBLIC_FIELDS
    assert set(metrics["non_public_metrics"]) == NON_PUBLIC_FIELDS
    assert set(metrics["organic_metrics"]) == ORGANIC_FIELDS
    organic = metrics["organic_metrics"]
    paid = metrics.get("promoted_metrics", {})
    assert not paid or set(paid) == ORGANIC_FIELDS
    for group in groups - {"organic_metrics"}:
        for field, value in metrics[group].items():
            if field in organic:
                assert value == organic[field] + paid.get(field, 0), (tweet.id, group, field)
    for values in metrics.values():
        assert all(type(v) is int and 0 <= v <= INT32_CAP for v in values.values())


def _assert_video_metrics_consistent(metrics: dict) -> None:
    """Totals == organic + promoted, quartiles non-increasing, views <= starts, int32."""
    organic = metrics["organic_metrics"]
    paid = metrics.get("promoted_metrics", dict.fromkeys(organic, 0))
    assert metrics["public_metrics"] == {"view_count": organic["view_count"] + paid["view_count"]}
    assert metrics["non_public_metrics"] == {f: organic[f] + paid[f] for f in PLAYBACK_FIELDS}
    for group in (organic, paid, metrics["non_public_metrics"]):
        quartiles = [group[f] for f in PLAYBACK_FIELDS]
        assert quartiles == sorted(quartiles, reverse=True)
    for group in (organic, paid):
        assert group["view_count"] <= group["playback_0_count"]
    for group in metrics.values():
        assert all(type(v) is int and 0 <= v <= INT32_CAP for v in group.values())


def test_users_are_fixed_whatever_the_seed(world):
    assert tuple(u.username for u in world.users) == USERNAMES
    assert World(SEED + 1, EPOCH).users == world.users
    assert [u.protected for u in world.users] == [False, False, False, True, False]
    for user in world.users:
        assert user.id.isdigit()
        assert user.created_at < START
        assert world.user(user.id) is user
    assert world.user_by_username("SANDBOX_Demo").name == "Demo Bakery"
    assert world.user_by_username("nobody") is None
    assert world.user("1") is None


def test_same_inputs_give_identical_world():
    assert fingerprint() == fingerprint()
    assert fingerprint(SEED + 1) != fingerprint()


def test_identical_across_processes_and_hash_seeds():
    root = Path(__file__).resolve().parents[2]
    script = f"import runpy; print(runpy.run_path({str(Path(__file__))!r})['fingerprint_digest']())"
    env = {**os.environ, "PYTHONPATH": str(root), "PYTHONHASHSEED": "1"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == fingerprint_digest()


def test_tweet_ids_are_snowflakes_that_decode_back(world):
    fresh = World(SEED, EPOCH)
    for index, user in enumerate(world.users, start=1):
        for tweet in world.timeline(user.id, NOW)[::9]:
            assert world.tweet(tweet.id, NOW) == tweet
            assert fresh.tweet(tweet.id, tweet.created_at) == tweet
            value = int(tweet.id)
            assert (value >> 22) + TWITTER_EPOCH_MS == _ms(tweet.created_at)
            assert (value >> 12) & 0x3FF == index
            assert tweet.author_id == user.id


def test_unknown_malformed_and_future_ids_are_none(world):
    tweet = _timeline(world, "sandbox_demo")[5]
    value = int(tweet.id)
    later = NOW + timedelta(days=1)
    future = _timeline(world, "sandbox_demo", later)[0]
    before_start = ((_ms(START) - 3_600_000 - TWITTER_EPOCH_MS) << 22) | (1 << 12)
    bad_ids = [
        "",
        "abc",
        "1",
        "-1",
        " " + tweet.id,
        "0" + tweet.id,
        tweet.id + "0",
        "١٢٣",
        str(value + 1),  # the next sequence number in that millisecond
        str(value + (1 << 22)),  # one millisecond later
        str(value & ~(0x3FF << 12) | (6 << 12)),  # no user with index 6
        str(value & ~(0x3FF << 12)),  # nor with index 0
        str(before_start),
        future.id,
        None,
        123,
    ]
    for bad in bad_ids:
        assert world.tweet(bad, NOW) is None, bad
    assert world.tweet(future.id, later) == future
    assert world.tweet(future.id, future.created_at) == future
    assert world.tweet(future.id, future.created_at - timedelta(milliseconds=1)) is None


@pytest.mark.parametrize("username", USERNAMES)
def test_timeline_is_newest_first_within_history(world, username):
    tweets = _timeline(world, username)
    ids = [int(t.id) for t in tweets]
    assert ids == sorted(set(ids), reverse=True)
    assert [t.created_at for t in tweets] == sorted((t.created_at for t in tweets), reverse=True)
    assert START <= tweets[-1].created_at < START + timedelta(days=1)
    assert NOW - timedelta(days=1) < tweets[0].created_at <= NOW
    assert {t.author_id for t in tweets} == {world.user_by_username(username).id}


def test_new_tweets_appear_as_time_passes(world):
    later = NOW + timedelta(days=2)
    before = _timeline(world, "sandbox_demo")
    after = _timeline(world, "sandbox_demo", later)
    new = after[: len(after) - len(before)]
    assert after[len(new) :] == before
    assert len(new) > 5
    assert all(NOW < t.created_at <= later for t in new)
    middle = new[len(new) // 2]
    assert _timeline(world, "sandbox_demo", middle.created_at)[0] == middle
    assert _timeline(world, "sandbox_demo", START - timedelta(seconds=1)) == []
    assert world.timeline("999", NOW) == []


@pytest.mark.parametrize(
    ("username", "low", "high"),
    [
        ("sandbox_demo", 380, 600),
        ("sandbox_newcomer", 120, 240),
        ("sandbox_big", 5000, 7000),
        ("sandbox_private", 80, 170),
        ("sandbox_other", 180, 320),
    ],
)
def test_posting_volumes_over_sixty_days(world, username, low, high):
    assert low <= len(_timeline(world, username)) <= high


def test_big_account_exceeds_the_timeline_cap(world):
    assert len(_timeline(world, "sandbox_big")) > 3200


def test_tweet_kinds_and_references(world):
    tweets = _timeline(world, "sandbox_demo")
    kinds = ("original", "reply", "retweet", "quote")
    by_kind = {kind: [t for t in tweets if t.kind == kind] for kind in kinds}
    assert all(by_kind.values())
    assert sum(map(len, by_kind.values())) == len(tweets)
    for tweet in tweets:
        assert len(tweet.text) <= 280 and tweet.lang == "en"
    for tweet in by_kind["original"]:
        assert tweet.referenced_tweets == () and tweet.conversation_id == tweet.id
    for reply in by_kind["reply"]:
        (relation, target_id), *_ = reply.referenced_tweets
        target = world.tweet(target_id, NOW)
        assert relation == "replied_to" and reply.conversation_id == target_id
        assert target.created_at < reply.created_at
        assert target.author_id == reply.in_reply_to_user_id
        assert reply.text.startswith(f"@{world.user(target.author_id).username} ")
    for kind, relation in (("retweet", "retweeted"), ("quote", "quoted")):
        for tweet in by_kind[kind]:
            (found_relation, target_id), *_ = tweet.referenced_tweets
            target = world.tweet(target_id, NOW)
            assert found_relation == relation and tweet.conversation_id == tweet.id
            assert target.author_id == world.user_by_username("sandbox_other").id
            assert target.created_at < tweet.created_at and target.kind != "reply"
    for retweet in by_kind["retweet"]:
        target = world.tweet(retweet.referenced_tweets[0][1], NOW)
        assert retweet.text.startswith("RT @sandbox_other: ")
        assert f"RT @sandbox_other: {target.text}".startswith(retweet.text.rstrip("…"))
        assert retweet.media_keys == () and not retweet.promoted
    with_link = [t for t in by_kind["original"] if "https://example.com/" in t.text]
    assert 0.2 < len(with_link) / len(by_kind["original"]) < 0.4


def test_media_shares(world):
    tweets = [t for t in _timeline(world, "sandbox_demo") if t.kind != "retweet"]
    videos = [t for t in tweets if t.media_keys and t.media_keys[0].startswith("7_")]
    photos = [t for t in tweets if t.media_keys and t.media_keys[0].startswith("3_")]
    assert 0.1 < len(videos) / len(tweets) < 0.25
    assert 0.05 < len(photos) / len(tweets) < 0.15
    assert all(len(t.media_keys) <= 1 for t in tweets)


@pytest.mark.parametrize("username", USERNAMES)
def test_totals_equal_organic_plus_promoted_on_every_tweet(world, username):
    for now in (NOW - timedelta(days=30, minutes=7), NOW):
        for tweet in _timeline(world, username, now):
            _assert_tweet_metrics_consistent(tweet, world.tweet_metrics(tweet, now))


@pytest.mark.parametrize("username", ["sandbox_demo", "sandbox_big"])
def test_video_quartiles_and_totals(world, username):
    tweets = _timeline(world, username)
    keys = _video_keys(tweets)
    assert keys
    for key in keys:
        media = world.media(key, NOW)
        for now in (NOW - timedelta(days=20), NOW):
            if world.media(key, now):
                _assert_video_metrics_consistent(world.media_metrics(media, now))
    photo = next(k for t in tweets for k in t.media_keys if k.startswith("3_"))
    assert world.media_metrics(world.media(photo, NOW), NOW) == {}


def test_metrics_zero_before_posting_then_grow_with_rare_small_drops(world):
    since = EPOCH - timedelta(days=40)
    tweets = [
        t
        for name in ("sandbox_demo", "sandbox_big", "sandbox_other")
        for t in _timeline(world, name, since)[:60]
        if t.kind != "retweet"
    ]
    steps = drops = 0
    dropped_fields = set()
    for tweet in tweets:
        before = world.tweet_metrics(tweet, tweet.created_at - timedelta(seconds=1))
        assert all(v == 0 for group in before.values() for v in group.values())
        previous = before
        for hour in range(200):
            current = world.tweet_metrics(tweet, tweet.created_at + timedelta(hours=hour))
            steps += 1
            fell = False
            for group, values in current.items():
                for field, value in values.items():
                    if value < previous[group][field]:
                        assert previous[group][field] - value <= 4
                        dropped_fields.add((group, field))
                        fell = True
            drops += fell
            previous = current
    assert dropped_fields <= {("public_metrics", "like_count"), ("organic_metrics", "like_count")}
    assert 0 < drops < steps / 100


def test_young_tweets_grow_within_minutes(world):
    tweets = [t for t in _timeline(world, "sandbox_demo") if t.kind == "original"][:100]
    pairs = grew = 0
    for tweet in tweets:
        for age in (timedelta(minutes=30), timedelta(hours=2), timedelta(hours=5)):
            first = tweet.created_at + age
            then = world.tweet_metrics(tweet, first)["public_metrics"]["impression_count"]
            soon = world.tweet_metrics(tweet, first + timedelta(minutes=5))
            pairs += 1
            grew += soon["public_metrics"]["impression_count"] > then
    assert grew >= 0.9 * pairs


def test_metrics_resolve_to_whole_seconds(world):
    tweet = next(t for t in _timeline(world, "sandbox_big") if t.kind == "original")
    second = (tweet.created_at + timedelta(hours=2)).replace(microsecond=0)
    assert world.tweet_metrics(tweet, second) == world.tweet_metrics(
        tweet, second + timedelta(microseconds=999_999)
    )


def test_promoted_campaigns(world):
    promoted = [t for t in _timeline(world, "sandbox_demo") if t.promoted]
    assert len(promoted) >= 5
    assert any(t.promoted for t in _timeline(world, "sandbox_newcomer"))
    for tweet in promoted:
        assert tweet.kind == "original"
        at_post = world.tweet_metrics(tweet, tweet.created_at)["promoted_metrics"]
        assert set(at_post.values()) == {0}
        ended = world.tweet_metrics(tweet, tweet.created_at + timedelta(days=8))
        assert ended["promoted_metrics"]["impression_count"] > 0
        much_later = world.tweet_metrics(tweet, tweet.created_at + timedelta(days=20))
        assert much_later["promoted_metrics"] == ended["promoted_metrics"]


def test_retweets_carry_only_the_originals_retweet_count(world):
    # FACTS.md, "Retweets made by the account": the original's retweet_count, zeros for the
    # other public counts, and no private group of their own.
    retweets = [t for t in _timeline(world, "sandbox_big") if t.kind == "retweet"][:50]
    assert retweets
    for retweet in retweets:
        original = world.tweet(retweet.referenced_tweets[0][1], NOW)
        for now in (retweet.created_at + timedelta(hours=1), NOW):
            metrics = world.tweet_metrics(retweet, now)
            expected = dict.fromkeys(PUBLIC_FIELDS, 0)
            expected["retweet_count"] = world.tweet_metrics(original, now)["public_metrics"][
                "retweet_count"
            ]
            assert metrics == {"public_metrics": expected}
    assert any(world.tweet_metrics(t, NOW)["public_metrics"]["retweet_count"] for t in retweets)


def test_reposted_videos_sum_their_carrying_tweets(world):
    tweets = _timeline(world, "sandbox_demo")
    shared = [m for m in (world.media(k, NOW) for k in _video_keys(tweets)) if len(m.tweet_ids) > 1]
    assert shared
    for media in shared:
        carriers = [world.tweet(tweet_id, NOW + timedelta(days=15)) for tweet_id in media.tweet_ids]
        first, second = carriers[:2]
        assert [int(t.id) for t in carriers] == sorted(int(t.id) for t in carriers)
        assert all(t.media_keys == (media.media_key,) for t in carriers)
        assert first.media_source_tweet_id is None
        assert all(t.media_source_tweet_id == first.id for t in carriers[1:])
        assert second.created_at - first.created_at > timedelta(hours=23)
        # The first carrier is old and nearly flat when the second arrives, so the video's
        # counts can only jump after the re-post if the second Tweet's views are added.
        posted = second.created_at
        window = timedelta(hours=3)

        def starts(now, media=media):
            return world.media_metrics(media, now)["organic_metrics"]["playback_0_count"]

        gained_before = starts(posted - timedelta(seconds=1)) - starts(posted - window)
        gained_after = starts(posted + window) - starts(posted)
        assert gained_after > 3 * gained_before + 5
        for now in (posted - timedelta(seconds=1), posted + window):
            metrics = world.media_metrics(media, now)
            _assert_video_metrics_consistent(metrics)
            live = [t for t in carriers if t.created_at <= now]
            assert ("promoted_metrics" in metrics) == any(t.promoted for t in live)


def test_media_keys_decode(world):
    demo = world.user_by_username("sandbox_demo")
    tweets = _timeline(world, "sandbox_demo")
    for tweet in tweets:
        for key in tweet.media_keys:
            media = world.media(key, NOW)
            assert media.media_key == key and media.owner_id == demo.id
            assert media.type == {"7": "video", "3": "photo"}[key[0]]
            assert media.tweet_ids[0] == key[2:] and tweet.id in media.tweet_ids
            assert (media.duration_ms or 0) > 0 if media.type == "video" else not media.duration_ms
            assert media.width > 0 and media.height > 0
            assert media.preview_image_url.startswith("https://pbs.twimg.com/")
            first = world.tweet(media.tweet_ids[0], NOW)
            assert world.media(key, first.created_at) == media
            assert world.media(key, first.created_at - timedelta(milliseconds=1)) is None
    video_tweet = next(t for t in tweets if t.media_keys and t.media_keys[0].startswith("7_"))
    plain_tweet = next(t for t in tweets if not t.media_keys)
    reposting = next(t for t in tweets if t.media_source_tweet_id)
    bad_keys = [
        "",
        "7_",
        "7_abc",
        "9_" + video_tweet.id,
        "3_" + video_tweet.id,
        "7_" + plain_tweet.id,
        "7_" + reposting.id,
        video_tweet.id,
        None,
    ]
    for bad in bad_keys:
        assert world.media(bad, NOW) is None, bad


# --- audience: best slots and followers -------------------------------------------------


def _local_slot(world: World, tweet: SimTweet) -> tuple[int, int]:
    local = tweet.created_at.astimezone(ZoneInfo(world.timezone("sandbox_demo")))
    return local.weekday(), local.hour


def test_best_slots_are_three_distinct_local_slots_drawn_from_the_seed(world):
    slots = world.best_slots("sandbox_demo")
    assert len(slots) == 3
    assert all(isinstance(slot, BestSlot) for slot in slots)
    assert len({(s.weekday, s.hour) for s in slots}) == 3
    assert [s.factor for s in slots] == sorted((s.factor for s in slots), reverse=True)
    assert all(0 <= s.weekday <= 6 and 0 <= s.hour <= 23 and s.factor > 1 for s in slots)
    assert World(SEED, EPOCH).best_slots("sandbox_demo") == slots
    assert World(SEED + 1, EPOCH).best_slots("sandbox_demo") != slots
    assert world.timezone("sandbox_demo") == "Europe/London"
    with pytest.raises(KeyError):
        world.best_slots("nobody")


def test_tweets_in_a_best_slot_reach_more_people(world):
    best = {(s.weekday, s.hour): s.factor for s in world.best_slots("sandbox_demo")}
    in_best, elsewhere = [], []
    for tweet in _timeline(world, "sandbox_demo"):
        if tweet.kind != "original":
            continue
        slot = _local_slot(world, tweet)
        assert world.timing_factor(tweet) == best.get(slot, 1.0)
        day_one = world.tweet_metrics(tweet, tweet.created_at + timedelta(hours=24))
        (in_best if slot in best else elsewhere).append(
            day_one["public_metrics"]["impression_count"]
        )
    assert len(in_best) >= 20
    # Medians: the best slots' Tweets reach at least three times as many people.
    assert sorted(in_best)[len(in_best) // 2] > 3 * sorted(elsewhere)[len(elsewhere) // 2]


def test_followers_follow_a_tweet_that_does_well_in_its_first_hours(world):
    demo = world.user_by_username("sandbox_demo")
    tweets = _timeline(world, "sandbox_demo", NOW - timedelta(days=4))
    top = max(
        tweets, key=lambda t: world.tweet_metrics(t, NOW)["public_metrics"]["impression_count"]
    )
    before = world.followers(demo.id, top.created_at - timedelta(seconds=1))
    after_six_hours = world.followers(demo.id, top.created_at + timedelta(hours=6))
    reach = world.tweet_metrics(top, NOW)["organic_metrics"]["impression_count"]
    assert after_six_hours - before > reach * 0.003 / 2
    # A steady churn: between Tweets that bring follows, followers fall.
    hourly = [world.followers(demo.id, START + timedelta(hours=h)) for h in range(0, 24 * 14)]
    steps = [b - a for a, b in itertools.pairwise(hourly)]
    assert min(steps) < 0 < max(steps)
    assert hourly[0] == 12_480


def test_user_metrics_are_whole_numbers_and_like_count_can_be_missing(world):
    demo = world.user_by_username("sandbox_demo")
    other = world.user_by_username("sandbox_other")
    metrics = world.user_metrics(demo.id, NOW)
    assert set(metrics) == {
        "followers_count",
        "following_count",
        "tweet_count",
        "listed_count",
        "like_count",
    }
    assert all(type(v) is int and v >= 0 for v in metrics.values())
    assert metrics["followers_count"] == world.followers(demo.id, NOW)
    assert metrics["listed_count"] == metrics["followers_count"] // 200
    assert "like_count" not in world.user_metrics(other.id, NOW)
    # tweet_count counts every post, the ones in the history included.
    later = world.user_metrics(demo.id, NOW + timedelta(days=1))
    posted = len(_timeline(world, "sandbox_demo", NOW + timedelta(days=1))) - len(
        _timeline(world, "sandbox_demo")
    )
    assert later["tweet_count"] - metrics["tweet_count"] == posted
