"""One poll of one linked account (DESIGN.md section 5).

A poll fetches everything first, then writes everything in one transaction, so a poll
that fails half-way (malformed answer, 429, 401) stores nothing but its PollRun:

1. discovery: the public timeline with `since_id` (on the first poll, every Tweet of the
   last 30 days), Retweets included, with public_metrics only (X refuses Retweets private
   groups, and a private timeline would leave them out);
2. lookups with the private groups of the new own Tweets and those due by age
   (tweets/schedule.py), in batches of 100 ids;
3. promoted batches only for the Tweets whose paid reach (totals less organic counts in
   the lookups' answers) moved since their last sample (promoted_metrics must be asked for
   alone: X drops never-promoted Tweets from such answers);
4. the account's own public_metrics from users/me, at most hourly (tweets/audience.py).

Requests per poll (docs/API.md, "Requests per poll"): max(1, ceil(new / 100)) +
ceil(looked up / 100) + ceil(paid reach moved / 100), plus at most one users/me read.
Public-only polling of Tweets 30 to 90 days old happens in a separate daily sweep with its
own PollRun, so no private group is ever requested for a Tweet older than 30 days. The
sweep asks nothing else: a poll already read everything younger that day.

Retweets made by the account describe the original, not the account's reach (FACTS.md):
discovery samples them once from the public timeline, no private group is ever asked for
them, and they never add to the rollups. Every Tweet read is counted as X bills it
(tweets/billing.py).
"""

import itertools
import logging
import operator
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import XAccount
from accounts.tokens import client_for
from xapi.client import BadResponse, RateLimited, ServerError, Unauthorized, XAPIError, XClient

from . import billing
from .audience import audience_due, read_audience, write_audience
from .ingest import Batch, database_writer
from .metrics import (
    CONTEXTS,
    ROLLUP_COLUMNS,
    TWEET_METRICS,
    VIDEO_METRICS,
)
from .models import HourlyRollup, Media, PollRun, Tweet, TweetSample, VideoSample
from .schedule import PRIVATE_WINDOW, Schedule
from .signals import poll_finished

logger = logging.getLogger(__name__)

BATCH = 100
# The sample columns are 32-bit integers: a larger count is a malformed answer, not data.
COUNT_MAX = 2**31 - 1
# X ids are 64-bit integers as ASCII decimal strings; media keys "<type>_<id>" (the spec).
X_ID = re.compile(r"[0-9]{1,19}")
MEDIA_KEY = re.compile(r"[0-9]{1,3}_[0-9]{1,19}")
PRIVATE_FIELDS = (
    "created_at",
    "attachments",
    "referenced_tweets",
    "public_metrics",
    "non_public_metrics",
    "organic_metrics",
)
PUBLIC_FIELDS = ("created_at", "attachments", "referenced_tweets", "public_metrics")
# Discovery: what a new Tweet is (its kind), and a Retweet's only sample.
DISCOVERY_FIELDS = ("created_at", "referenced_tweets", "public_metrics")
MEDIA_EXPANSION = ("attachments.media_keys",)
PRIVATE_MEDIA_FIELDS = (
    "type",
    "duration_ms",
    "public_metrics",
    "non_public_metrics",
    "organic_metrics",
    "promoted_metrics",
)
PUBLIC_MEDIA_FIELDS = ("type", "duration_ms", "public_metrics")
RATE_LIMIT_JITTER = 30  # seconds added to X's reset time, so workers do not stampede


@dataclass
class Fetched:
    """Everything one poll read from X, before anything is written."""

    tweets: dict[str, dict] = field(default_factory=dict)  # id -> Tweet object
    media: dict[str, dict] = field(default_factory=dict)  # media_key -> media object
    promoted: dict[str, dict] = field(default_factory=dict)  # id -> promoted_metrics
    promoted_checked: set[str] = field(default_factory=set)  # ids asked for promoted metrics
    private: bool = True  # whether private groups were requested
    audience: dict | None = None  # the account's public_metrics, when this poll read them
    read: set[str] = field(default_factory=set)  # every Tweet X returned (X bills them)

    def add(self, page) -> None:
        for tweet in page.data:
            self.tweets[tweet_id(tweet)] = tweet
            self.read.add(tweet_id(tweet))
        for media in page.media:
            if "media_key" in media:
                self.media[_media_key(media["media_key"])] = media


def tweet_id(tweet: dict) -> str:
    """A Tweet object's id, checked: an ASCII decimal string within 64 bits."""
    value = tweet.get("id")
    if not isinstance(value, str) or not X_ID.fullmatch(value) or int(value) >= 2**63:
        raise BadResponse(f"a Tweet object without a valid id: {value!r}"[:200])
    return value


def _media_key(value) -> str:
    if not isinstance(value, str) or not MEDIA_KEY.fullmatch(value):
        raise BadResponse(f"not a media key: {value!r}"[:200])
    return value


def media_keys_of(tweet: dict) -> list[str]:
    """The media keys a Tweet object lists in `attachments` ([] when none), checked."""
    keys = _group(tweet, "attachments").get("media_keys") or []
    if not isinstance(keys, list):
        raise BadResponse(f"Tweet {tweet.get('id')} has media_keys that are not a list")
    return [_media_key(key) for key in keys]


def _chunks(items: list, size: int = BATCH):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _instant(now: datetime) -> datetime:
    """Samples of one poll share one instant, to the second (replays collide on it)."""
    return now.replace(microsecond=0)


# --- fetching --------------------------------------------------------------------------


def discover(client: XClient, account: XAccount, fetched: Fetched, now: datetime) -> None:
    """New Tweets of every kind from the public timeline (every page until next_token ends):
    what they are, and a Retweet's one sample. Own Tweets get their private metrics from
    the lookups that follow, in the same poll."""
    params = {"tweet_fields": DISCOVERY_FIELDS, "max_results": BATCH}
    if account.newest_tweet_id:
        params["since_id"] = str(account.newest_tweet_id)
    else:
        params["start_time"] = now - PRIVATE_WINDOW + timedelta(minutes=1)
    for page in client.iter_user_tweets(account.x_user_id, **params):
        fetched.add(page)


def to_look_up(
    fetched: Fetched, existing: dict[int, Tweet], skip: set[int], now: datetime, schedule: Schedule
) -> list[str]:
    """The ids a poll looks up with private groups: the own Tweets discovery found that are
    younger than 30 days, then the known Tweets due by age (`skip`: known Retweets)."""
    new = [
        tid
        for tid, data in fetched.tweets.items()
        if int(tid) not in existing
        and int(tid) not in skip
        and _kind(data) != Tweet.Kind.RETWEET
        and now - _created_at(data) < PRIVATE_WINDOW
    ]
    due = [str(t.id) for t in existing.values() if schedule.private_due(t, now)]
    return list(dict.fromkeys(new + due))


def lookup(client: XClient, ids: list[str], fetched: Fetched, *, private: bool) -> None:
    for batch in _chunks(ids):
        page = client.tweets(
            batch,
            tweet_fields=PRIVATE_FIELDS if private else PUBLIC_FIELDS,
            expansions=MEDIA_EXPANSION,
            media_fields=PRIVATE_MEDIA_FIELDS if private else PUBLIC_MEDIA_FIELDS,
        )
        fetched.add(page)


def lookup_promoted(client: XClient, ids: list[str], fetched: Fetched) -> None:
    """Ask for promoted_metrics alone; the Tweets that come back are the promoted ones."""
    for batch in _chunks(ids):
        page = client.tweets(batch, tweet_fields=("promoted_metrics",))
        fetched.promoted_checked.update(batch)
        for tweet in page.data:
            fetched.read.add(tweet_id(tweet))
            if isinstance(tweet.get("promoted_metrics"), dict):
                fetched.promoted[tweet_id(tweet)] = tweet["promoted_metrics"]


def paid_reach(tweet: dict) -> dict[str, int]:
    """Per promoted sample column, what the Tweet's totals hold beyond its organic counts:
    the paid reach that promoted_metrics would show (X's totals are organic plus paid).
    Empty for a Tweet read without organic_metrics."""
    organic, totals = _group(tweet, "organic_metrics"), _totals(tweet)
    return {
        metric.column("promoted"): totals[metric.wire] - organic[metric.wire]
        for metric in TWEET_METRICS
        if metric.split
        and isinstance(totals.get(metric.wire), int)
        and isinstance(organic.get(metric.wire), int)
    }


def _last_promoted(ids: list[int]) -> dict[int, dict]:
    """The promoted counts of each Tweet's latest sample (those at its last_sampled_at)."""
    latest = dict(
        Tweet.objects.filter(pk__in=ids, last_sampled_at__isnull=False).values_list(
            "id", "last_sampled_at"
        )
    )
    rows = TweetSample.objects.filter(
        tweet_id__in=list(latest), captured_at__in=set(latest.values())
    ).values("tweet_id", "captured_at", *PROMOTED_COLUMNS)
    return {row["tweet_id"]: row for row in rows if latest[row["tweet_id"]] == row["captured_at"]}


def promoted_candidates(fetched: Fetched) -> list[str]:
    """The Tweets a promoted batch can tell something new: read with private groups in
    this poll, with paid reach, and that paid reach moved since their last sample (the
    samples keep the promoted counts; unchanged ones are carried forward)."""
    paid = {}
    for tid, data in fetched.tweets.items():
        gaps = paid_reach(data)
        if any(gap > 0 for gap in gaps.values()):
            paid[tid] = gaps
    last = _last_promoted([int(tid) for tid in paid])
    return [
        tid
        for tid, gaps in paid.items()
        if any((last.get(int(tid)) or {}).get(column) != gap for column, gap in gaps.items())
    ]


# --- building samples ------------------------------------------------------------------


def _group(tweet: dict, name: str) -> dict:
    value = tweet.get(name)
    return value if isinstance(value, dict) else {}


def _count(group: dict, name: str) -> int | None:
    value = group.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= COUNT_MAX:
        raise BadResponse(f"{name} is not a count: {value!r}"[:200])
    return value


# The reading plans by their metrics tuple's identity: a cache keyed by the tuple itself
# would hash every Metric in it for every Tweet read. Each entry keeps its tuple alive, so
# no other tuple can take its id.
_PLANS: dict[int, tuple] = {}


def _reading_plan(metrics) -> tuple:
    """X's field names of every total, then of every split metric (read once under
    organic_metrics and once under promoted_metrics), the sample columns they fill in that
    order, which is the registry's (tweets.metrics.sample_columns), and a getter of the
    totals and one of a split group's values."""
    known = _PLANS.get(id(metrics))
    if known is None:
        split = tuple(m for m in metrics if m.split)
        totals, wires = tuple(m.wire for m in metrics), tuple(m.wire for m in split)
        plan = (
            totals,
            wires,
            tuple(m.column(c) for c in CONTEXTS for m in (metrics if c == "total" else split)),
            _getter(totals),
            _getter(wires),
        )
        known = _PLANS[id(metrics)] = (metrics, plan)
    return known[1]


def _getter(keys: tuple[str, ...]):
    """A dict's values at `keys` as a tuple, None where one is missing: one C call when
    none is or all are (X's usual answers), .get for each otherwise."""
    if len(keys) < 2:  # itemgetter of one key gives the value, not a tuple
        return lambda group: tuple(map(group.get, keys))
    pick, nothing = operator.itemgetter(*keys), (None,) * len(keys)

    def get(group: dict) -> tuple:
        if not group:  # a group X left out (organic after 30 days, promoted if never)
            return nothing
        try:
            return pick(group)
        except KeyError:
            return tuple(map(group.get, keys))

    return get


def _sample_row(total: dict, organic: dict, promoted: dict, metrics) -> tuple:
    """Every sample column of `metrics` in the registry's order (NULL where X gave
    nothing), unchecked: `check_counts` checks a whole poll's rows at once."""
    plan = _reading_plan(metrics)
    split = plan[4]
    return plan[3](total) + split(organic) + split(promoted)


def check_counts(rows: Iterable[tuple], metrics) -> None:
    """Raise BadResponse unless every value of these rows (from _sample_row) is NULL or a
    count: an int, not a bool, from 0 to COUNT_MAX."""
    check_values(list(itertools.chain.from_iterable(rows)), metrics)


def check_values(values: list, metrics) -> None:
    """check_counts for rows laid end to end in one list. This runs for every metric of
    every Tweet a poll reads, so the common case is a few passes in C over all of them."""
    if set(map(type, values)) <= {int, type(None)}:
        counts = list(filter(None, values))  # neither NULL nor 0 (which is a count)
        if not counts or (min(counts) > 0 and max(counts) <= COUNT_MAX):
            return
    totals, split = _reading_plan(metrics)[:2]
    # Every row holds a value per wire name, in this order.
    for wire, value in zip(itertools.cycle((*totals, *split, *split)), values):
        if value is not None and (type(value) is not int or not 0 <= value <= COUNT_MAX):
            raise BadResponse(f"{wire} is not a count: {value!r}"[:200])


def _totals(obj: dict) -> dict:
    # Some totals exist only in non_public_metrics (the click counts, the playback counts).
    return {**_group(obj, "non_public_metrics"), **_group(obj, "public_metrics")}


def tweet_sample_row(tweet: dict, promoted: dict | None, metrics=TWEET_METRICS) -> tuple:
    """A TweetSample's metric columns from an X Tweet object, in the registry's order
    (NULL where X gave nothing), unchecked; `promoted` is the Tweet's promoted_metrics,
    asked for in a request of its own. _sample_row with _group and _totals inline: this
    runs for every Tweet a poll reads."""
    plan = _reading_plan(metrics)
    totals, split = plan[3], plan[4]
    get = tweet.get
    total, private = get("public_metrics"), get("non_public_metrics")
    organic = get("organic_metrics")
    if not isinstance(total, dict):
        total = {}
    # Some totals exist only in non_public_metrics (the click counts, the playback counts).
    if private and isinstance(private, dict):
        total = {**private, **total}
    return (
        totals(total) + split(organic if isinstance(organic, dict) else {}) + split(promoted or {})
    )


def tweet_sample_values(tweet: dict, promoted: dict | None, metrics=TWEET_METRICS) -> dict:
    """tweet_sample_row, checked, by column name."""
    row = tweet_sample_row(tweet, promoted, metrics)
    check_counts([row], metrics)
    return dict(zip(_reading_plan(metrics)[2], row, strict=True))


def tweet_rows(fetched: Fetched, ids: list[int], final: set[str], values: list) -> list[tuple]:
    """The poll's Tweet rows as tweets.ingest.Batch keeps them: key, the metric values of
    tweet_sample_row (unchecked), carry, paid, final; `ids` are the int ids of
    fetched.tweets, in its order. Every row's metric values are also added to `values`,
    end to end, for check_values. tweet_sample_row inline: this runs for every Tweet a
    poll reads."""
    plan = _reading_plan(TWEET_METRICS)
    totals, split = plan[3], plan[4]
    pick_totals, pick_split = operator.itemgetter(*plan[0]), operator.itemgetter(*plan[1])
    nothing = split({})
    promoted, checked, private = fetched.promoted, fetched.promoted_checked, fetched.private
    rows = []
    add, extend = rows.append, values.extend
    for key, (tid, tweet) in zip(ids, fetched.tweets.items(), strict=True):
        get = tweet.get
        total, hidden, organic = (
            get("public_metrics"),
            get("non_public_metrics"),
            get("organic_metrics"),
        )
        paid = promoted.get(tid)
        try:
            # X's usual answer: every count of each group it gave, in dicts. Some totals
            # exist only in non_public_metrics (the click counts, the playback counts).
            row = (
                pick_totals({**hidden, **total} if hidden else total)
                + (pick_split(organic) if organic else nothing)
                + (pick_split(paid) if paid else nothing)
            )
        except (KeyError, TypeError):  # a count or a group missing, or not a dict
            if not isinstance(total, dict):
                total = {}
            if hidden and isinstance(hidden, dict):
                total = {**hidden, **total}
            row = (
                totals(total)
                + (split(organic) if isinstance(organic, dict) else nothing)
                + (split(paid) if paid else nothing)
            )
        extend(row)
        add(
            (
                key,
                *row,
                # Promoted counts not asked for this time are carried forward rather than
                # lost, if the Tweet was ever promoted (the writer reads that).
                paid is None and private and tid not in checked,
                paid is not None,
                tid in final,
            )
        )
    return rows


def video_sample_row(media: dict, metrics=VIDEO_METRICS) -> tuple | None:
    """A VideoSample's metric columns from an X media object, in the registry's order,
    unchecked; None for other media, or when X gave no video metric at all."""
    if media.get("type") != "video":
        return None
    row = _sample_row(
        _totals(media),
        _group(media, "organic_metrics"),
        _group(media, "promoted_metrics"),
        metrics,
    )
    return row if row.count(None) < len(row) else None


def video_sample_values(media: dict, metrics=VIDEO_METRICS) -> dict | None:
    """video_sample_row, checked, by column name."""
    row = video_sample_row(media, metrics)
    if row is None:
        return None
    check_counts([row], metrics)
    return dict(zip(_reading_plan(metrics)[2], row, strict=True))


def _kind(tweet: dict) -> str:
    references = tweet.get("referenced_tweets") or []
    if not isinstance(references, list):
        raise BadResponse(f"Tweet {tweet.get('id')} has referenced_tweets that are not a list")
    kinds = {ref.get("type") for ref in references if isinstance(ref, dict)}
    if "retweeted" in kinds:
        return Tweet.Kind.RETWEET
    if "replied_to" in kinds:
        return Tweet.Kind.REPLY
    if "quoted" in kinds:
        return Tweet.Kind.QUOTE
    return Tweet.Kind.ORIGINAL


def _created_at(tweet: dict) -> datetime:
    try:
        moment = datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))
    except (KeyError, AttributeError, ValueError) as exc:
        raise BadResponse(f"Tweet {tweet.get('id')} has no valid created_at") from exc
    if moment.tzinfo is None:  # X always says UTC ("Z"); a bare time is no instant
        raise BadResponse(f"Tweet {tweet.get('id')} has a created_at without a timezone")
    return moment


# --- writing ---------------------------------------------------------------------------

# How many rollup rows one upsert statement carries (Postgres takes 65,535 parameters).
UPSERT_ROWS = 1000


class Rollups:
    """Gains per (account, hour, context), summed in memory, then upserted in one go (on
    Postgres the writer upserts them itself: this stays empty)."""

    def __init__(self, account_id: int):
        self.account_id = account_id
        self.gains: dict[tuple[datetime, str], dict[str, int]] = {}

    def bucket(self, hour: datetime, context: str) -> dict[str, int]:
        """The gains summed so far in one hour and context, to add to."""
        return self.gains.setdefault((hour, context), {})

    def write(self) -> None:
        table = HourlyRollup._meta.db_table
        columns = ", ".join(ROLLUP_COLUMNS)
        updates = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in ROLLUP_COLUMNS)
        placeholders = "({})".format(", ".join(["%s"] * (3 + len(ROLLUP_COLUMNS))))
        rows = [
            (self.account_id, bucket, context, *(g.get(c, 0) for c in ROLLUP_COLUMNS))
            for (bucket, context), g in self.gains.items()
            if any(g.values())
        ]
        with connection.cursor() as cursor:
            for chunk in _chunks(rows, UPSERT_ROWS):
                # An upsert that adds: Django's update_conflicts can only overwrite.
                cursor.execute(
                    f"INSERT INTO {table} (account_id, bucket, context, {columns})"
                    f" VALUES {', '.join([placeholders] * len(chunk))}"
                    f" ON CONFLICT (account_id, context, bucket)"
                    f" DO UPDATE SET {updates}",
                    [value for row in chunk for value in row],
                )


def rollup_columns(metrics) -> dict[str, list[tuple[str, str]]]:
    """Per context, (rollup column, sample column) for every metric the rollups keep."""
    return {
        context: [
            (m.rollup, m.column(context))
            for m in metrics
            if m.rollup and (context == "total" or m.split)
        ]
        for context in CONTEXTS
    }


TWEET_ROLLUP_COLUMNS = rollup_columns(TWEET_METRICS)
VIDEO_ROLLUP_COLUMNS = rollup_columns(VIDEO_METRICS)
PROMOTED_COLUMNS = tuple(m.column("promoted") for m in TWEET_METRICS if m.split)


@transaction.atomic
def store(account: XAccount, fetched: Fetched, instant: datetime, *, final: set[str]) -> int:
    """Write one poll: Tweets, media, changed samples, rollups. Returns samples written.

    All of it or nothing (one transaction), under the account's row lock: deltas must be
    taken against the latest sample. A replayed poll writes nothing: a sample only when a
    value changed since the object's latest, never a second one at an instant, and gains
    only for samples written. A fixed number of statements, whatever the number of Tweets
    (tweets/ingest.py).
    """
    writer = database_writer()
    tweets = fetched.tweets
    ids = [int(tid) for tid in tweets]
    carrying = {tid: media_keys_of(data) for tid, data in tweets.items() if "attachments" in data}

    # Every count is read and checked before anything is written.
    rollups = Rollups(account.pk)
    samples = Batch(TweetSample, instant, TWEET_ROLLUP_COLUMNS, carried=PROMOTED_COLUMNS)
    values = []
    samples.rows = tweet_rows(fetched, ids, final, values)
    check_values(values, TWEET_METRICS)

    # When a Tweet was posted: a stored one keeps its own (the writer reads it there), so
    # X's is read for those carrying media (a video's first posting) and the new ones.
    posted = {int(tid): _created_at(tweets[tid]) for tid in carrying}
    first_posted = {}
    for tid, keys in carrying.items():
        for key in keys:
            first_posted[key] = min(first_posted.get(key, posted[int(tid)]), posted[int(tid)])
    videos = Batch(VideoSample, instant, VIDEO_ROLLUP_COLUMNS)
    values = []
    for key, data in fetched.media.items():
        row = video_sample_row(data)
        if row is not None:
            values.extend(row)
            videos.add(key, row, first_posted.get(key, instant))
    check_values(values, VIDEO_METRICS)

    # The writer takes the batches (on Postgres, COPYs them into its scratch tables), then
    # under the account's row lock writes the samples of the Tweets and media stored, and
    # says which are not (on Postgres in one round trip; usually none). Those are made,
    # and their samples written in a second pass: a new Tweet's created_at and kind are
    # read then, and a malformed one raises BadResponse, which rolls back the whole poll.
    writer.stage([samples, videos])
    written, new_ids, new_keys = writer.write(
        [samples, videos], rollups, list(fetched.media), lock=account.pk
    )
    if new_ids or new_keys:
        Tweet.objects.bulk_create(
            Tweet(
                id=key,
                account=account,
                # Postgres text cannot hold NUL; X never sends one in a Tweet's text.
                text=str(data.get("text", "")).replace("\x00", "")[:10_000],
                created_at=posted[key] if key in posted else _created_at(data),
                kind=_kind(data),
                first_seen_at=instant,
            )
            for key, data in zip(ids, tweets.values(), strict=True)
            if key in new_ids
        )
        Media.objects.bulk_create(
            Media(
                media_key=key,
                account=account,
                type=str(m.get("type", ""))[:20],
                duration_ms=_count(m, "duration_ms"),
            )
            for key, m in fetched.media.items()
            if key in new_keys
        )
        # A Tweet's media are linked when the Tweet or the media is first stored.
        Tweet.media.through.objects.bulk_create(
            (
                Tweet.media.through(tweet_id=int(tid), media_id=key)
                for tid, keys in carrying.items()
                for key in keys
                if key in fetched.media and (int(tid) in new_ids or key in new_keys)
            ),
            ignore_conflicts=True,
        )
        samples.rows = [row for row in samples.rows if row[0] in new_ids]
        videos.rows = [row for row in videos.rows if row[0] in new_keys]
        writer.stage([samples, videos], again=True)
        written += writer.write([samples, videos], rollups)[0]
    rollups.write()
    if fetched.audience is not None:
        write_audience(account, fetched.audience, instant)

    if fetched.promoted:
        # The writer marks the polled Tweets whose promoted counts were read (`paid`);
        # promoted metrics of a Tweet this poll did not read mark it here.
        others = [int(k) for k in fetched.promoted if k not in tweets]
        if others:
            Tweet.objects.filter(pk__in=others, promoted=False).update(promoted=True)
        account.has_promoted = True
    if ids and fetched.private:
        newest = max(ids)
        if account.newest_tweet_id is None or newest > account.newest_tweet_id:
            account.newest_tweet_id = newest
    return written


# --- one poll --------------------------------------------------------------------------


def _account_tweets(account: XAccount, now: datetime, schedule: Schedule) -> dict[int, Tweet]:
    horizon = now - schedule.horizon
    return {
        t.id: t
        for t in Tweet.objects.filter(account=account, created_at__gte=horizon).only(
            "id", "kind", "created_at", "promoted", "last_polled_at", "final_private_at"
        )
    }


def _finish(run: PollRun, client: XClient | None, outcome: str, error: str = "") -> PollRun:
    run.finished_at = timezone.now()
    run.outcome = outcome
    run.error = error[:2000]
    if client is not None:
        run.requests_made = client.requests_made
        if client.last_rate_limit is not None:
            run.rate_limit_remaining = client.last_rate_limit.remaining
    run.save()
    poll_finished.send(sender=PollRun, run=run)
    return run


def poll_account(
    account: XAccount, *, schedule: Schedule | None = None, now: datetime | None = None
) -> list[PollRun]:
    """Poll one account at `now` (default: the current time); returns its PollRun, and the
    daily sweep's when one is due. The demo's backfill passes past instants, with the
    sandbox clock moved to match.

    Never raises for X's answers: every outcome is recorded on the PollRun and the account
    is rescheduled (or moved to "needs re-authorisation").
    """
    schedule = schedule or Schedule.from_settings()
    now = now or timezone.now()
    runs = [_run(account, schedule, now, sweep=False)]
    sweep_due = (
        account.last_public_sweep_at is None
        or now - account.last_public_sweep_at >= schedule.public_interval
    )
    if runs[0].outcome == PollRun.Outcome.OK and sweep_due:
        runs.append(_run(account, schedule, now, sweep=True))
    return runs


def _run(account: XAccount, schedule: Schedule, now: datetime, *, sweep: bool) -> PollRun:
    instant = _instant(now)
    run = PollRun.objects.create(
        account=account, started_at=now, kind=PollRun.Kind.SWEEP if sweep else PollRun.Kind.POLL
    )
    client = None
    fetched = Fetched()
    try:
        client = client_for(account)
        existing = _account_tweets(account, now, schedule)
        retweets = {tid for tid, t in existing.items() if t.kind == Tweet.Kind.RETWEET}
        existing = {tid: t for tid, t in existing.items() if tid not in retweets}
        final: set[str] = set()
        if sweep:
            # Only what no poll reads: Tweets 30 to 90 days old, public metrics, daily.
            public = [str(t.id) for t in existing.values() if schedule.public_due(t, now)]
            fetched.private = False
            lookup(client, public, fetched, private=False)
        else:
            discover(client, account, fetched, now)
            private = to_look_up(fetched, existing, retweets, now, schedule)
            lookup(client, private, fetched, private=True)
            lookup_promoted(client, promoted_candidates(fetched), fetched)
            if audience_due(account, client, now):
                fetched.audience = read_audience(client, account)
            final = {
                tid
                for tid, data in fetched.tweets.items()
                if "organic_metrics" in data and schedule.in_final_window(now - _created_at(data))
            }
        written = store(account, fetched, instant, final=final)
        billing.record(map(int, fetched.read), now)
    except RateLimited as exc:
        billing.record(map(int, fetched.read), now)  # X bills the answers that came
        reset = exc.reset_at or (now + schedule.discovery_interval)
        if exc.usage_capped:
            # The monthly cap does not lift with the 15-minute window: try again hourly.
            reset = max(reset, now + timedelta(hours=1))
        _reschedule(account, reset + timedelta(seconds=random.uniform(1, RATE_LIMIT_JITTER)))
        return _finish(
            run,
            client,
            PollRun.Outcome.RATE_LIMITED,
            f"Rate limited until {reset:%Y-%m-%d %H:%M:%S}Z: {exc}",
        )
    except Unauthorized as exc:
        billing.record(map(int, fetched.read), now)
        account.require_reauth(
            f"X refused the stored authorisation on {now:%Y-%m-%d %H:%M} UTC"
            " (revoked or expired). Re-link the account to resume polling."
        )
        account.refresh_from_db()
        return _finish(run, client, PollRun.Outcome.UNAUTHORIZED, str(exc))
    except (ServerError, BadResponse, XAPIError) as exc:
        billing.record(map(int, fetched.read), now)
        logger.warning("Poll of @%s failed: %s", account.username, exc)
        _reschedule(account, now + schedule.discovery_interval)
        return _finish(run, client, PollRun.Outcome.FAILED, f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        # A bug of ours: record it on the run (the admin shows it) and keep the schedule.
        logger.exception("Poll of @%s failed unexpectedly", account.username)
        _reschedule(account, now + schedule.discovery_interval)
        return _finish(run, client, PollRun.Outcome.FAILED, f"Internal error: {type(exc).__name__}")

    run.tweets_sampled = len(fetched.tweets)
    run.samples_written = written
    run.audience_read = fetched.audience is not None
    if sweep:
        account.record_poll(now, sweep=True)
    else:
        account.record_poll(now, next_poll_at=now + schedule.discovery_interval)
    account.refresh_from_db()
    return _finish(run, client, PollRun.Outcome.OK)


def _reschedule(account: XAccount, when: datetime) -> None:
    account.reschedule(when)
    account.refresh_from_db()
