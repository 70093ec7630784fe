"""tweets.polling.store(), the poll's write path, on Postgres (COPY and one statement for
the rules, tweets/ingest.py): replays write nothing, missing stays NULL, only changed
objects get a sample, rollups equal the samples' gains recomputed in SQL, a poll that fails
half-way writes nothing, and the ORM writer (the demo's SQLite path) writes the same rows.

Polls are built by hand (X's answer shapes), so each case is exact and takes milliseconds.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import XAccount
from tweets import ingest, polling
from tweets.metrics import ROLLUP_COLUMNS, TWEET_METRICS, VIDEO_METRICS
from tweets.models import HourlyRollup, Media, Tweet, TweetSample, VideoSample
from xapi.client import BadResponse

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
EVERY = timedelta(minutes=5)
FIRST_ID = 1_880_000_000_000_000_000
TWEETS = 12


@pytest.fixture
def account(alice):
    return XAccount.objects.create(
        owner=alice, x_user_id="8", username="writer", auth_kind="oauth2", has_promoted=True
    )


def tweet_object(index: int, poll: int, *, organic: bool = True) -> dict:
    """Tweet `index` as a lookup returns it at poll `poll`: counts grow with each poll, but
    Tweets 0 to 3 stopped growing after poll 1; Tweet 4 never had a bookmark count."""
    grown = min(poll, 1) if index < 4 else poll
    counts = {m.wire: (index + 1) * (k + 2) * (grown + 1) for k, m in enumerate(TWEET_METRICS)}
    if index == 4:
        del counts["bookmark_count"]
    tweet = {
        "id": str(FIRST_ID + index),
        "text": f"Tweet {index}",
        "created_at": (START - timedelta(hours=index)).isoformat().replace("+00:00", "Z"),
        "public_metrics": counts,
        "non_public_metrics": {},
    }
    if organic:
        tweet["organic_metrics"] = {m.wire: counts[m.wire] // 2 for m in TWEET_METRICS if m.split}
    if index == 5:
        tweet["referenced_tweets"] = [{"type": "retweeted", "id": "1"}]
    if index == 6:
        tweet["attachments"] = {"media_keys": [video_key()]}
    return tweet


def video_key() -> str:
    return f"7_{FIRST_ID + 6}"


def fetched_at(poll: int, **options) -> polling.Fetched:
    fetched = polling.Fetched()
    for index in range(TWEETS):
        tweet = tweet_object(index, poll, **options)
        fetched.tweets[tweet["id"]] = tweet
        if index == 7 and poll % 2 == 0:  # promoted, its promoted metrics asked every other poll
            fetched.promoted[tweet["id"]] = {
                m.wire: tweet["public_metrics"][m.wire] // 4 for m in TWEET_METRICS if m.split
            }
            fetched.promoted_checked.add(tweet["id"])
    views = {m.wire: 100 * (poll + 1) // (k + 1) for k, m in enumerate(VIDEO_METRICS)}
    fetched.media[video_key()] = {
        "media_key": video_key(),
        "type": "video",
        "public_metrics": {"view_count": views["view_count"]},
        "non_public_metrics": {w: c for w, c in views.items() if w != "view_count"},
    }
    return fetched


def store(account, poll: int, fetched=None) -> int:
    return polling.store(account, fetched or fetched_at(poll), START + EVERY * poll, final=set())


def snapshot() -> tuple:
    samples = list(TweetSample.objects.order_by("tweet_id", "captured_at").values())
    videos = list(VideoSample.objects.order_by("media_id", "captured_at").values())
    rollups = list(
        HourlyRollup.objects.order_by("bucket", "context").values(
            "bucket", "context", *ROLLUP_COLUMNS
        )
    )
    return samples, videos, rollups


def recomputed_gains(account, column: str, rollup: str) -> dict:
    """{hour: gain} from the samples alone: each sample less the one before it (a NULL on
    either side gains nothing), a first sample whole in the hour its object was posted."""
    if rollup.startswith("video_"):
        table, key = "tweets_videosample", "media_id"
        posted = (
            "SELECT l.media_id AS key, min(t.created_at) AS at FROM tweets_tweet_media l"
            " JOIN tweets_tweet t ON t.id = l.tweet_id WHERE t.account_id = %(account)s"
            " GROUP BY l.media_id"
        )
    else:
        table, key = "tweets_tweetsample", "tweet_id"
        posted = (
            "SELECT id AS key, created_at AS at FROM tweets_tweet"
            " WHERE account_id = %(account)s AND kind <> 'retweet'"
        )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH ordered AS (
                SELECT {key} AS key, captured_at, {column} AS value,
                    lag(captured_at) OVER w AS before_at, lag({column}) OVER w AS before
                FROM {table} WINDOW w AS (PARTITION BY {key} ORDER BY captured_at)
            )
            SELECT date_trunc('hour', CASE WHEN before_at IS NULL THEN p.at
                                           ELSE o.captured_at END, 'UTC') AS hour,
                   sum(CASE WHEN before_at IS NULL THEN value ELSE value - before END)
            FROM ordered o JOIN ({posted}) p ON p.key = o.key
            GROUP BY 1
            """,
            {"account": account.pk},
        )
        return {hour: gain for hour, gain in cursor.fetchall() if gain}


def test_a_replayed_poll_writes_nothing_and_adds_no_gains(account):
    for poll in range(3):
        assert store(account, poll) > 0
    before = snapshot()

    assert store(account, 2) == 0  # the same poll again, at the same instant
    assert store(account, 1) == 0  # an earlier poll again, after a later one
    assert snapshot() == before
    print(f"{len(before[0])} Tweet samples, {len(before[2])} rollup rows unchanged by replays")


@pytest.mark.parametrize("writer", [ingest.database_writer, ingest.OrmWriter], ids=["db", "orm"])
def test_a_poll_older_than_the_latest_sample_writes_nothing(account, monkeypatch, writer):
    # A late poll carries other counts than the latest sample and finds no sample at its
    # own instant: still nothing, or its gains would be taken against a later sample.
    monkeypatch.setattr(polling, "database_writer", writer)
    store(account, 0)
    store(account, 2)
    before = snapshot()
    polled = list(Tweet.objects.values_list("id", "last_sampled_at").order_by("id"))

    assert store(account, 1) == 0
    assert snapshot() == before
    assert list(Tweet.objects.values_list("id", "last_sampled_at").order_by("id")) == polled


def test_missing_counts_stay_null_and_gain_nothing(account):
    store(account, 0, fetched_at(0, organic=False))
    store(account, 1)
    samples = TweetSample.objects.filter(tweet_id=FIRST_ID + 4).order_by("captured_at")
    first, second = samples
    assert first.organic_impressions is None and first.organic_likes is None
    assert second.organic_impressions is not None
    assert first.bookmarks is None and second.bookmarks is None  # never given: never 0
    assert first.impressions == (4 + 1) * 2 * 1
    # organic impressions appeared at poll 1: no gain from NULL to a count
    organic = HourlyRollup.objects.filter(account=account, context="organic")
    assert sum(r.impressions for r in organic) == 0
    assert HourlyRollup.objects.filter(account=account, context="total").exists()


def test_only_changed_objects_get_a_sample(account):
    store(account, 0)
    store(account, 1)
    written = store(account, 2)
    instant = START + EVERY * 2

    # Tweets 0 to 3 stopped growing; the promoted Tweet 7 was not asked at poll 1 but its
    # counts grew; the video grew.
    unchanged = {FIRST_ID + i for i in range(4)}
    sampled = set(
        TweetSample.objects.filter(captured_at=instant).values_list("tweet_id", flat=True)
    )
    assert sampled == {FIRST_ID + i for i in range(TWEETS)} - unchanged
    assert written == len(sampled) + 1  # and the video's
    polled = Tweet.objects.filter(account=account)
    assert all(t.last_polled_at == instant for t in polled)
    assert {t.id for t in polled if t.last_sampled_at == instant} == sampled
    assert Media.objects.get(pk=video_key()).last_sampled_at == instant


def test_promoted_counts_not_asked_are_carried_forward(account):
    store(account, 0)
    store(account, 1)  # Tweet 7's promoted metrics are not asked for at odd polls
    first, second = TweetSample.objects.filter(tweet_id=FIRST_ID + 7).order_by("captured_at")
    assert first.promoted_impressions is not None
    assert second.promoted_impressions == first.promoted_impressions
    assert second.impressions > first.impressions


def test_rollups_equal_the_samples_gains_recomputed_in_sql(account):
    store(account, 0, fetched_at(0, organic=False))
    for poll in range(1, 6):
        store(account, poll)
    checked = 0
    for context in ("total", "organic", "promoted"):
        for metric in (*TWEET_METRICS, *VIDEO_METRICS):
            if not metric.rollup or (context != "total" and not metric.split):
                continue
            rows = HourlyRollup.objects.filter(account=account, context=context)
            stored = {r.bucket: getattr(r, metric.rollup) for r in rows}
            expected = recomputed_gains(account, metric.column(context), metric.rollup)
            assert {h: g for h, g in stored.items() if g} == expected, (context, metric.name)
            checked += 1
    print(f"{checked} rollup columns equal the SQL over the samples")


def test_a_poll_that_fails_half_way_writes_nothing(account):
    store(account, 0)
    before = snapshot()
    polled = list(Tweet.objects.values_list("id", "last_polled_at").order_by("id"))
    broken = fetched_at(1)
    # The video comes after the Tweets' samples have gone in: its answer is malformed.
    broken.media[video_key()]["public_metrics"]["view_count"] = -1

    with pytest.raises(BadResponse):
        store(account, 1, broken)
    assert snapshot() == before
    assert list(Tweet.objects.values_list("id", "last_polled_at").order_by("id")) == polled


def test_the_orm_writer_writes_what_the_copy_writer_writes(account, monkeypatch):
    # The ORM writer is the embedded demo's (SQLite); here both run on Postgres.
    def run() -> tuple:
        store(account, 0, fetched_at(0, organic=False))
        for poll in (1, 2, 3, 3, 1):
            store(account, poll)
        return snapshot()

    assert isinstance(ingest.database_writer(), ingest.CopyWriter)
    copied = run()
    Tweet.objects.all().delete()
    Media.objects.all().delete()
    HourlyRollup.objects.all().delete()
    monkeypatch.setattr(polling, "database_writer", ingest.OrmWriter)
    assert run() == copied
    print(f"{len(copied[0])} samples and {len(copied[2])} rollup rows alike")


@pytest.mark.parametrize("writer", [ingest.database_writer, ingest.OrmWriter], ids=["db", "orm"])
def test_new_tweets_and_media_beside_stored_ones_are_sampled_in_the_same_poll(
    account, monkeypatch, writer
):
    # The writer samples the stored Tweets and media and says which are new; store() makes
    # those and writes their samples in a second pass of the same poll: the rows, gains
    # and promoted marks are those of a poll that had known them all.
    monkeypatch.setattr(polling, "database_writer", writer)
    first = fetched_at(0)
    for index in range(6, TWEETS):  # Tweet 6 carries the video: it and its media are new
        del first.tweets[str(FIRST_ID + index)]
    first.media.clear()
    assert store(account, 0, first) == 6
    # Every Tweet grew since poll 0; Tweet 7 (new) is promoted in this poll.
    assert store(account, 2) == TWEETS + 1
    instant = START + EVERY * 2
    assert TweetSample.objects.filter(captured_at=instant).count() == TWEETS
    assert VideoSample.objects.get().captured_at == instant
    assert Media.objects.get().last_sampled_at == instant
    assert set(Tweet.objects.get(pk=FIRST_ID + 6).media.values_list("pk", flat=True)) == {
        video_key()
    }
    assert list(Tweet.objects.filter(promoted=True).values_list("pk", flat=True)) == [FIRST_ID + 7]
    polled = Tweet.objects.filter(account=account)
    assert all(t.last_polled_at == instant for t in polled)
    for context in ("total", "organic", "promoted"):
        rows = HourlyRollup.objects.filter(account=account, context=context)
        stored = {r.bucket: r.impressions for r in rows if r.impressions}
        assert stored == recomputed_gains(account, TWEET_METRICS[0].column(context), "impressions")
    assert store(account, 2) == 0  # a replay of it writes nothing


# --- the session's scratch tables and prepared statement, with real commits -------------


def _statements(callable_) -> list[str]:
    with CaptureQueriesContext(connection) as done:
        callable_()
    return [query["sql"] for query in done.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_polls_of_their_own_reuse_the_sessions_scratch_tables_and_statement(account):
    # Each poll its own transaction, as a worker runs them: the first one of a session
    # makes the scratch tables and prepares the rules; the next ones only COPY and EXECUTE.
    connection.close()  # a new session
    first = _statements(lambda: store(account, 0))
    assert sum("CREATE TEMPORARY TABLE" in sql for sql in first) == 1
    assert sum(sql.startswith("PREPARE ") for sql in first) == 1
    for poll in (1, 2):
        later = _statements(lambda poll=poll: store(account, poll))
        assert not [
            s for s in later if "CREATE TEMPORARY" in s or s.startswith(("PREPARE", "DELETE"))
        ]
        assert sum("EXECUTE poll_rules_" in sql for sql in later) == 1
    # Each poll found its scratch table empty: it wrote each changed Tweet once.
    assert TweetSample.objects.filter(captured_at=START + EVERY * 2).count() == TWEETS - 4


@pytest.mark.django_db(transaction=True)
def test_a_poll_whose_scratch_table_is_gone_fails_and_its_retry_writes_once(account):
    store(account, 0)
    store(account, 1)
    before = snapshot()
    # What a DISCARD TEMP (or a pooler's reset) does to the session's scratch tables.
    with connection.cursor() as cursor:
        cursor.execute("DISCARD TEMP")
    with pytest.raises(Exception, match="poll_tweetsample"):
        store(account, 2)
    assert snapshot() == before  # all or nothing

    written = store(account, 2)  # the retry makes the tables again
    assert written == TWEETS - 4 + 1
    assert TweetSample.objects.filter(captured_at=START + EVERY * 2).count() == TWEETS - 4
    assert store(account, 2) == 0  # and a replay of it writes nothing
    after = snapshot()
    assert len(after[0]) == len(before[0]) + TWEETS - 4


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_first_poll_leaves_the_next_poll_whole(account):
    # The first poll of a session makes the scratch tables and prepares the statement,
    # then its transaction rolls back: the tables go, the prepared statement stays.
    with pytest.raises(RuntimeError), transaction.atomic():
        store(account, 0)
        raise RuntimeError("the poll's transaction fails after the write")
    assert not TweetSample.objects.exists()

    assert store(account, 0) == TWEETS + 1
    assert store(account, 1) == TWEETS + 1  # every Tweet grew, and the video
    assert store(account, 1) == 0
    checked = 0
    for context in ("total", "organic"):
        rows = HourlyRollup.objects.filter(account=account, context=context)
        stored = {r.bucket: r.impressions for r in rows if r.impressions}
        assert stored == recomputed_gains(account, TWEET_METRICS[0].column(context), "impressions")
        checked += 1
    assert checked == 2
