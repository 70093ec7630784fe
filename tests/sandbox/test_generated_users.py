"""Generated accounts (World(generated_users=N), for the scale benchmark): as many as
asked, deterministic, each with about the asked number of live Tweets, and the five fixed
users exactly as without them."""

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.world import MAX_GENERATED_USERS, World

SEED = 424242
EPOCH = datetime(2026, 3, 1, 12, tzinfo=UTC)
NOW = EPOCH + timedelta(days=3)


@pytest.fixture(scope="module")
def world() -> World:
    return World(SEED, EPOCH, generated_users=40, live_tweets=300)


def live(world: World, username: str) -> list:
    user = world.user_by_username(username)
    return [t for t in world.timeline(user.id, NOW) if NOW - t.created_at < timedelta(days=30)]


def test_as_many_as_asked_with_distinct_handles_and_ids(world):
    generated = world.users[5:]
    assert len(generated) == 40
    assert [u.username for u in generated[:2]] == ["sandbox_gen0001", "sandbox_gen0002"]
    assert len({u.id for u in world.users}) == len({u.username for u in world.users}) == 45


def test_the_fixed_users_do_not_change():
    plain = World(SEED, EPOCH)
    crowded = World(SEED, EPOCH, generated_users=3)
    assert crowded.users[:5] == plain.users
    demo = plain.user_by_username("sandbox_demo").id
    assert crowded.timeline(demo, NOW) == plain.timeline(demo, NOW)


def test_deterministic_from_the_seed(world):
    again = World(SEED, EPOCH, generated_users=40)
    other = World(SEED + 1, EPOCH, generated_users=40)
    assert [t.id for t in live(again, "sandbox_gen0007")] == [
        t.id for t in live(world, "sandbox_gen0007")
    ]
    assert [t.id for t in live(other, "sandbox_gen0007")] != [
        t.id for t in live(world, "sandbox_gen0007")
    ]


def test_about_the_asked_live_tweets_all_owned_and_found_by_id(world):
    counts = []
    for user in world.users[5:]:
        tweets = live(world, user.username)
        counts.append(len(tweets))
        assert {t.kind for t in tweets} <= {"original", "reply"}
        assert all(t.author_id == user.id for t in tweets)
        assert world.tweet(tweets[0].id, NOW) == tweets[0]
        assert world.tweet_metrics(tweets[0], NOW)["non_public_metrics"]
    mean = sum(counts) / len(counts)
    print(f"live Tweets per generated account: mean {mean:.0f}, {min(counts)} to {max(counts)}")
    assert 270 <= mean <= 360
    assert min(counts) > 200


def test_no_more_than_the_snowflake_holds():
    assert MAX_GENERATED_USERS == 1018
    with pytest.raises(ValueError):
        World(SEED, EPOCH, generated_users=MAX_GENERATED_USERS + 1)
