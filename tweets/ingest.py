"""How a poll's samples reach the database: a fixed number of statements whatever the
number of Tweets (bench/ingest.py measures it against a bare COPY, DESIGN.md section 8).

tweets.polling.store() reads X's answers into a `Batch` per sample table: every object's
values as X gave them, whether its promoted counts are carried forward, whether this is
its final private snapshot, and for a video when it was first posted and whether its
gains count (a Tweet's stored row says both). A writer applies the rules and writes:

1. a promoted count not asked for this time is carried forward from the latest sample;
2. a sample only when some value changed since the object's latest sample, and only after
   it: the first poll of a second stands, and a replayed poll (at the same instant or an
   earlier one) writes nothing;
3. gains against the latest sample (a NULL on either side gains nothing; a first sample
   gains all of it, in the hour the object was posted), only for the samples written, added
   to the hourly rollups;
4. the objects' own record: last_sampled_at where a sample was written, and for Tweets
   last_polled_at (every Tweet the poll read) and final_private_at.

`CopyWriter` (Postgres) does it set-based, in a fixed number of round trips whatever the
number of Tweets: one binary COPY per sample table into the session's temporary scratch
table (`stage`; row by row: see _Shape), then (`write`) one round trip for the account's
lock and one prepared statement for all of a poll's batches, run with its generic plan
(planned once per session, not at every poll: _prepared). Its Tweet part is one UPDATE of
the polled Tweets joined to their rows and to each one's latest sample (by the table's
key), which records the poll (rule 4, and that a Tweet whose promoted counts were read is
promoted) and returns each row's values (carried ones from that sample, rule 1, for a
Tweet promoted before), whether they changed, and the Tweet's posting time and kind (a
Retweet gains nothing); the changed ones are inserted. Rows of Tweets and media not stored
yet join nothing: the statement also counts the Tweets it found and the poll's media
stored, so a poll that brings no new Tweet or media needs no lookup of its own; otherwise
store() makes the new ones and writes their rows in a second pass.
The account's row lock (store()) serialises a Tweet's polls, so that insert meets no
conflict; video samples, whose media two accounts' Tweets can carry, are inserted ON
CONFLICT DO NOTHING and only those written update their media and gain. The gains of
every batch are summed per hour in one pass and upserted as a row per context (rule 3).
The scratch tables (emptied at every commit) and the prepared statement last as long as
the database session, and the statement's text and each scratch table's COPY are built
once per process, so a poll's write is a COPY per table and one EXECUTE, and
migration 0010 leaves room on each Tweet's page for the poll's update to stay there (a
HOT update, without index entries). bench/ingest.py measures it; docs/BENCHMARKS.md says
what it costs.
`OrmWriter` applies the same rules in Python through the ORM on any other database: the
embedded demo's SQLite, which the demo's smoke run exercises (the tests run on Postgres,
and one writes the same polls through both writers and compares every row).
"""

import itertools
import weakref
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection, transaction
from django.db.models import Case, F, Value, When

from accounts.models import XAccount

from .metrics import CONTEXTS, TWEET_SAMPLE_COLUMNS, VIDEO_SAMPLE_COLUMNS
from .models import HourlyRollup, Media, Tweet, TweetSample, VideoSample

# Each sample table's metric columns, from the registry.
SAMPLE_COLUMNS = {TweetSample: TWEET_SAMPLE_COLUMNS, VideoSample: VIDEO_SAMPLE_COLUMNS}
# The ORM's INSERTs in batches of this many rows (SQLite takes at most 32,766 parameters).
BATCH_ROWS = 500


def owner(model):
    """A sample's object: the first field of its key (the Tweet, or the video)."""
    return model._meta.pk.fields[0]


def sample_columns(model) -> tuple[str, ...]:
    """A sample table's columns as rows are written: object key, instant, metric columns."""
    return (owner(model).column, "captured_at", *SAMPLE_COLUMNS[model])


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


@dataclass
class Batch:
    """One poll's samples for one table, before the rules (see the module docstring).

    Each row is a tuple in the order of the batch's scratch table (_scratch), so the
    CopyWriter sends it as it is: the object's key, its metric values in the registry's
    order (`columns`), then for Tweets (`polled`): `carry`, its promoted counts are
    carried forward if it was ever promoted (the stored row says); `paid`, this poll read
    its promoted counts (it is promoted); `final`, this is its final private snapshot. A
    Tweet's posting time and whether its gains count (not for a Retweet) are its stored
    row's (created_at, kind). For the other objects: whether its gains count, carry,
    final and when it was first posted."""

    model: type
    instant: datetime
    pairs: dict[str, list[tuple[str, str]]]  # per context, (rollup column, sample column)
    carried: tuple[str, ...] = ()  # the columns a `carry` row takes from its latest sample
    rows: list[tuple] = field(default_factory=list)
    columns: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        self.columns = SAMPLE_COLUMNS[self.model]

    @property
    def polled(self) -> bool:
        """Whether the batch's objects keep when they were last polled (Tweets do)."""
        return self.model is TweetSample

    def add(self, key, values: tuple, posted: datetime, *, gains=True, carry=False, final=False):
        """One object's sample (not a Tweet's: store() builds those rows itself);
        `values` in the registry's column order (`columns`)."""
        self.rows.append((key, *values, gains, carry, final, posted))

    def split(self, row: tuple) -> tuple:
        """(key, values, carry, paid, final) of a Tweet's row; (key, values, gains,
        carry, final, posted) of another's."""
        end = 1 + len(self.columns)
        return (row[0], row[1:end], *row[end:])


def _set_for(keys, value, field: str) -> Case:
    """`value` for the rows whose key is in `keys`, their own `field` for the others."""
    return Case(When(pk__in=keys, then=Value(value)), default=F(field))


class OrmWriter:
    """The rules in Python, through the ORM, on any database."""

    def stage(self, batches: list[Batch], *, again: bool = False) -> None:
        """Hand the writer a poll's batches before write() (`again`: a second time in
        the same transaction, with other rows). The ORM reads them in write()."""

    def write(
        self,
        batches: list[Batch],
        rollups,
        media_keys: list[str] = (),
        lock: int | None = None,
    ) -> tuple[int, set[int], set[str]]:
        """Write the batches' changed samples and add their gains to `rollups` (an
        in-memory tweets.polling.Rollups); first, when `lock` is an account's id, that
        account's row lock (store()). Rows of Tweets and media not stored yet are left
        out: returns how many samples were written, the batches' Tweet ids and the
        `media_keys` not stored, for store() to make and write in a second pass."""
        if lock is not None:
            list(XAccount.objects.select_for_update().filter(pk=lock).values_list("pk"))
        ids = [row[0] for batch in batches if batch.polled for row in batch.rows]
        stored = set(Tweet.objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing_ids = set(ids) - stored
        keys = {row[0] for batch in batches if not batch.polled for row in batch.rows}
        keys.update(media_keys)
        missing_keys = keys - set(Media.objects.filter(pk__in=keys).values_list("pk", flat=True))
        written = 0
        for batch in batches:
            missing = missing_ids if batch.polled else missing_keys
            rows = [row for row in batch.rows if row[0] not in missing]
            if rows:
                written += len(self._write(batch, rows, rollups))
        return written, missing_ids, missing_keys

    def _write(self, batch: Batch, rows: list[tuple], rollups) -> set:
        """One batch's rows; the keys of the samples written."""
        rows = [batch.split(row) for row in rows]
        latest = self._latest(batch.model, [row[0] for row in rows])
        paid = []
        if batch.polled:  # a Tweet's posting time, kind and promoted are its stored row's
            stored = Tweet.objects.filter(pk__in=[row[0] for row in rows]).values_list(
                "pk", "created_at", "kind", "promoted"
            )
            tweets = {
                pk: (posted, kind != Tweet.Kind.RETWEET, was) for pk, posted, kind, was in stored
            }
            paid = [row[0] for row in rows if row[3]]
            rows = [
                (key, values, tweets[key][0], tweets[key][1], carry and tweets[key][2], final)
                for key, values, carry, _, final in rows
            ]
        else:
            rows = [
                (key, values, posted, counts, carry, final)
                for key, values, counts, carry, final, posted in rows
            ]
        carried = [batch.columns.index(c) for c in batch.carried]
        fresh, gains = [], {}
        for key, values, posted, counts, carry, _ in rows:
            old = latest.get(key)  # (captured_at, values) or None
            if carry:
                values = list(values)
                for index in carried:
                    values[index] = old[1][index] if old else None
                values = tuple(values)
            if old is not None and (old[0] >= batch.instant or old[1] == values):
                continue
            fresh.append((key, batch.instant, *values))
            if counts:
                gains[key] = (batch.instant, values, old[1]) if old else (posted, values, None)
        written = self._insert(batch.model, batch.instant, fresh) if fresh else set()
        pairs = {c: [(r, batch.columns.index(s)) for r, s in p] for c, p in batch.pairs.items()}
        for key in written & gains.keys():
            moment, new, old = gains[key]
            for context, indexed in pairs.items():
                sums = rollups.bucket(hour_of(moment), context)
                for name, index in indexed:
                    now, before = new[index], 0 if old is None else old[index]
                    if now is not None and before is not None:
                        sums[name] = sums.get(name, 0) + now - before
        objects = owner(batch.model).related_model.objects
        if not batch.polled:
            objects.filter(pk__in=written).update(last_sampled_at=batch.instant)
            return written
        objects.filter(pk__in=[row[0] for row in rows]).update(
            last_polled_at=batch.instant,
            last_sampled_at=_set_for(written, batch.instant, "last_sampled_at"),
            final_private_at=_set_for(
                [row[0] for row in rows if row[5]], batch.instant, "final_private_at"
            ),
            promoted=_set_for(paid, True, "promoted"),
        )
        return written

    @staticmethod
    def _latest(model, keys: list) -> dict:
        """{object key: (captured_at, metric values in the registry's order)} of each
        object's latest sample."""
        field = owner(model)
        rows = model.objects.filter(
            **{f"{field.name}__in": keys, "captured_at": F(f"{field.name}__last_sampled_at")}
        ).values_list(field.attname, "captured_at", *SAMPLE_COLUMNS[model])
        return {row[0]: (row[1], row[2:]) for row in rows}

    @staticmethod
    def _insert(model, instant: datetime, rows: list[tuple]) -> set:
        field = owner(model)
        taken = set(
            model.objects.filter(
                **{f"{field.name}__in": [row[0] for row in rows], "captured_at": instant}
            ).values_list(field.attname, flat=True)
        )
        fresh = [row for row in rows if row[0] not in taken]
        names = (field.attname, "captured_at", *SAMPLE_COLUMNS[model])
        samples = [model(**dict(zip(names, row, strict=True))) for row in fresh]
        model.objects.bulk_create(samples, batch_size=BATCH_ROWS)
        return {row[0] for row in fresh}


class CopyWriter(OrmWriter):
    """Postgres: a COPY of each batch into a scratch table, then the rules for every batch
    in one statement."""

    def stage(self, batches: list[Batch], *, again: bool = False) -> None:
        """The COPY of each batch into its scratch table (emptied first when `again`)."""
        batches = [batch for batch in batches if batch.rows]
        shapes = tuple(_shape(batch) for batch in batches)
        with connection.cursor() as cursor, _forgotten_on_error():
            _ready_scratch(cursor, shapes, again=again)
            for batch, shape in zip(batches, shapes, strict=True):
                # Binary, with the columns' types given: psycopg then formats no text.
                with cursor.copy(shape.copy) as copy:
                    copy.set_types(shape.types)
                    write = copy.write_row
                    for row in batch.rows:  # in the scratch table's order (Batch)
                        write(row)

    def write(
        self,
        batches: list[Batch],
        rollups,
        media_keys: list[str] = (),
        lock: int | None = None,
    ) -> tuple[int, set[int], set[str]]:
        """The rules for the batches stage() put in the scratch tables, in one statement
        sent in one round trip with the account's lock, when asked for, as a statement of
        its own before it: that one waits for the lock, and the rules then read under a
        snapshot taken after it (each statement of a query string takes its own, at read
        committed). Rows of Tweets and media not stored yet join nothing and are left
        out; the statement counts the Tweets it found and the `media_keys` stored, and
        only when some are missing does a second round trip say which."""
        batches = [batch for batch in batches if batch.rows]
        if not batches:
            return 0, *OrmWriter.write(self, [], rollups, media_keys, lock)[1:]
        shapes = tuple(_shape(batch) for batch in batches)
        instant = batches[0].instant
        statements, params = [], []
        if lock is not None:
            statements.append(f"SELECT id FROM {XAccount._meta.db_table} WHERE id = %s FOR UPDATE")
            params.append(lock)
        with connection.cursor() as cursor, _forgotten_on_error():
            name = _prepared(cursor, _rules_sql(shapes, batches))
            # One plan for every poll (see _prepared), for this transaction only.
            statements += [
                "SET LOCAL plan_cache_mode = force_generic_plan",
                f"EXECUTE {name} (%s, %s, %s, %s)",
            ]
            params += [
                instant,
                rollups.account_id,
                hour_of(instant.astimezone(UTC)),
                list(media_keys),
            ]
            cursor.execute("; ".join(statements), params)
            for _ in statements[1:]:
                cursor.nextset()
            written, found, stored = cursor.fetchone()
            polled = [(b, shape) for b, shape in zip(batches, shapes, strict=True) if b.polled]
            if found == sum(len(b.rows) for b, _ in polled) and stored == len(media_keys):
                return written, set(), set()
            tweet, media = Tweet._meta, Media._meta
            missing = [
                "SELECT NULL::text, k.key FROM unnest(%s::text[]) AS k (key) WHERE NOT EXISTS"
                f" (SELECT FROM {media.db_table} m WHERE m.{media.pk.column} = k.key)"
            ]
            for batch, shape in polled:
                key = owner(batch.model).column
                missing.append(
                    f"SELECT n.{key}::text, NULL FROM {shape.scratch} n WHERE NOT EXISTS"
                    f" (SELECT FROM {tweet.db_table} t WHERE t.{tweet.pk.column} = n.{key})"
                )
            cursor.execute(" UNION ALL ".join(missing), [list(media_keys)])
            rows = cursor.fetchall()
        return (
            written,
            {int(row[0]) for row in rows if row[0] is not None},
            {row[1] for row in rows if row[1] is not None},
        )


# Per database connection (its session): the scratch tables made (and committed), and
# the rules statements prepared, {SQL: name}.
_MADE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_NAMES = itertools.count()


@contextmanager
def _forgotten_on_error():
    """Should a scratch table or a prepared statement be gone (whatever the reason), the
    poll fails, and the next one on this connection makes them again (a statement under
    a new name: the old one may still exist) rather than failing too."""
    try:
        yield
    except Exception:
        if connection.connection is not None:  # not closed by the error
            _MADE.pop(connection.connection, None)
            _PREPARED.pop(connection.connection, None)
        raise


def _prepared(cursor, sql: str) -> str:
    """The name of the session's prepared statement for this rules statement (its
    parameters: the instant, the account, the instant's hour, the poll's media keys),
    prepared on first use.
    Its parsing and planning cost about a tenth of a poll's write, and a poll runs the
    same statement every time. Left to itself, Postgres plans it for the values of each of
    the first five runs, then keeps a generic plan only if that one's estimate is no
    worse; after the sample tables changed much (the benchmark empties them between
    rounds) it planned every run again, about 1.5 ms a poll. The writer therefore runs it
    under `SET LOCAL plan_cache_mode = force_generic_plan` (for that transaction only):
    the parameters only filter and label rows already joined by key, so a plan made for
    their values is no better. PREPARE is not undone by a rollback; a scratch table it
    names that was is found again by name when the statement next runs. Django leaves psycopg's own
    prepared statements off (for connection poolers); the poll's scratch tables already
    need the session to last, so this needs nothing more."""
    prepared = _PREPARED.setdefault(connection.connection, {})
    name = prepared.get(sql)
    if name is None:
        name = f"poll_rules_{next(_NAMES)}"
        body = sql
        for placeholder, parameter in (
            ("instant", "$1"),
            ("account", "$2"),
            ("hour", "$3"),
            ("media", "$4"),
        ):
            body = body.replace(f"%({placeholder})s", parameter)
        cursor.execute(f"PREPARE {name} (timestamptz, bigint, timestamptz, text[]) AS {body}")
        prepared[sql] = name
    return name


def _ready_scratch(cursor, shapes: tuple["_Shape", ...], *, again: bool = False) -> None:
    """Make sure each batch's scratch table exists and is empty, in at most one round trip
    and usually none. Rows go at every commit (ON COMMIT DELETE ROWS) and with a rollback,
    so a poll that is its own transaction finds them empty; one inside a longer
    transaction (a test's, or two polls in one) may find the rows of an earlier poll of
    that transaction, and empties them, as a second COPY in one poll's transaction
    (`again`) does. A table is remembered once the transaction that made it commits: a
    rolled-back CREATE leaves none behind."""
    raw = connection.connection
    made = _MADE.get(raw, set())
    names = [shape.scratch for shape in shapes]
    # `again` follows a first COPY in this transaction, which made any table missing.
    statements = [shape.create for shape in shapes if shape.scratch not in made and not again]
    if again or len(connection.atomic_blocks) > 1:
        statements += [f"DELETE FROM {name}" for name in names]
    if not statements:
        return
    cursor.execute("; ".join(statements))
    if any(name not in made for name in names):
        transaction.on_commit(lambda: _MADE.setdefault(raw, set()).update(names))


@dataclass(frozen=True)
class _Shape:
    """What a batch's part of the SQL depends on (its table, columns, carried columns and
    rollup pairs), worked out once per process: its scratch table (_scratch), the CREATE
    of it, the binary COPY into it and the types of its columns for that COPY."""

    key: tuple
    scratch: str
    create: str
    copy: str
    types: tuple[str, ...]


# {shape key: _Shape}, and {shape keys of a poll's batches: the rules statement}.
_SHAPES: dict[tuple, _Shape] = {}
_RULES: dict[tuple, str] = {}
_FLAG_TYPES = {
    "gains": "boolean",
    "carry": "boolean",
    "paid": "boolean",
    "final": "boolean",
    "posted": "timestamptz",
}


def _shape(batch: Batch) -> _Shape:
    key = (
        batch.model,
        batch.columns,
        batch.carried,
        tuple((context, tuple(pairs)) for context, pairs in batch.pairs.items()),
    )
    shape = _SHAPES.get(key)
    if shape is None:
        scratch, columns = _scratch(batch)
        fields = {f.column: f for f in batch.model._meta.concrete_fields if f.column}
        types = tuple(
            # psycopg knows a type by its SQL name, without a length ("varchar(40)").
            _FLAG_TYPES.get(c) or fields[c].db_type(connection).split("(")[0]
            for c in columns
        )
        shape = _SHAPES[key] = _Shape(
            key=key,
            scratch=scratch,
            create=(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {scratch} ON COMMIT DELETE ROWS AS"
                f" SELECT {', '.join(_scratch_columns(batch))}"
                f" FROM {batch.model._meta.db_table} WITH NO DATA"
            ),
            # The WHERE keeps nothing out: a volatile one makes COPY insert row by row
            # instead of in buffers of up to 1,000 rows, each of which registers the
            # table's row type with the transaction's resource owner, all in one hash
            # chain (quadratic: on Postgres 15, 3 ms of backend CPU for 1,000 Tweets in
            # buffers, 1.5 ms row by row into a table with no index).
            copy=(
                f"COPY {scratch} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
                " WHERE random() >= 0"
            ),
            types=types,
        )
    return shape


def _scratch_columns(batch: Batch) -> list[str]:
    """The scratch table's columns (_scratch) as `SELECT` expressions over the sample
    table: its key and metric columns, then the flags and the posting time."""
    types = _FLAG_TYPES
    return [c if c not in types else f"NULL::{types[c]} AS {c}" for c in _scratch(batch)[1]]


def _scratch(batch: Batch) -> tuple[str, tuple[str, ...]]:
    """The session's temporary table for a batch's rows and the columns a poll fills,
    emptied at every commit and kept between polls (creating and dropping one per poll
    costs more than a poll's COPY does); named after its columns, so a new metric makes a
    new one. The instant is one parameter, not a column. For Tweets, their stored row says
    when they were posted and whether their gains count (not for Retweets): neither is
    sent. A video's first posting (its first Tweet's) is."""
    columns = (owner(batch.model).column, *batch.columns)
    columns += ("carry", "paid", "final") if batch.polled else ("gains", "carry", "final", "posted")
    name = f"poll_{batch.model._meta.model_name}_{zlib.crc32(','.join(columns).encode()):08x}"
    return f"pg_temp.{name}", columns


def _batch_sql(batch: Batch) -> tuple[list[str], str]:
    """One batch's part of the rules statement: its CTEs and what its gains are summed
    from (`p`: the rows whose sample was written).

    Each row beside its object's latest sample (`o`, at its last_sampled_at), the value each
    column takes (a carried one from `o`) and whether it changed. Tweets are sampled only
    under their account's lock, after their latest sample, so a changed one is always
    written: one UPDATE of the polled Tweets joins the rows to their latest samples,
    records the poll and returns what the INSERT of the changed ones and the gains need.
    A video may be carried by two accounts' Tweets polled at once: its samples are
    inserted ON CONFLICT DO NOTHING, and only those written update it and gain. A row
    whose object is not stored yet joins nothing (store() writes it in a second pass)."""
    key = owner(batch.model).column
    parent = owner(batch.model).related_model._meta
    name = batch.model._meta.model_name
    table, scratch = batch.model._meta.db_table, _scratch(batch)[0]
    # A Tweet carries its promoted counts only if it was promoted before this poll: the
    # UPDATE's RETURNING reads t.promoted after `paid` set it, but a row that carries was
    # not paid (store()), so there it is the stored value.
    carry = "n.carry AND t.promoted" if batch.polled else "n.carry"
    value = {
        c: f"CASE WHEN {carry} THEN o.{c} ELSE n.{c} END" if c in batch.carried else f"n.{c}"
        for c in batch.columns
    }
    changed = (
        f"(o.captured_at IS NULL OR (o.captured_at < %(instant)s"
        f" AND ROW({', '.join(value[c] for c in batch.columns)})"
        f" IS DISTINCT FROM ROW({', '.join(f'o.{c}' for c in batch.columns)})))"
    )
    rolled = list(dict.fromkeys(c for pairs in batch.pairs.values() for _, c in pairs))
    returned = ", ".join(
        [
            f"n.{key}",
            "o.captured_at IS NOT NULL AS seen",
            *(f"{value[c]} AS {c}" for c in batch.columns),
            # Read only where there was a latest sample (`seen`): see _gains_sql.
            *(f"o.{c} AS was_{c}" for c in rolled),
        ]
    )
    # The object's latest sample by its whole key, the object's last_sampled_at (`e`,
    # which writers keep and readers rely on), so one index entry is read. The latest by
    # `ORDER BY captured_at DESC LIMIT 1` read every entry of the object on the index
    # page it ends on, up to a page's worth (about 300) once a Tweet has a day of
    # samples: 1,000 Tweets of 301 samples each took 4.9 ms so, 3.0 ms by key (p50 of
    # 300). LIMIT 1 keeps the lookup a subquery run per row (an index scan), where a
    # join could be planned as a scan of the whole sample table, and a generic plan made
    # while it was small kept.
    latest = (
        f"LEFT JOIN LATERAL (SELECT * FROM {table} s WHERE s.{key} = n.{key}"
        f" AND s.captured_at = e.last_sampled_at LIMIT 1) o ON true"
    )
    columns = ", ".join(batch.columns)
    if batch.polled:
        # RETURNING sees the row as SET left it: a Tweet whose sample changed now has
        # last_sampled_at at the instant, and only it, unless its latest sample was already
        # there (a replayed poll), which `changed` excludes too. One test, not the whole
        # comparison again.
        recorded = (
            "(t.last_sampled_at = %(instant)s"
            " AND (o.captured_at IS NULL OR o.captured_at < %(instant)s))"
        )
        return [
            f"""{name}_polled AS (
                UPDATE {parent.db_table} t SET last_polled_at = %(instant)s,
                    last_sampled_at =
                        CASE WHEN {changed} THEN %(instant)s ELSE t.last_sampled_at END,
                    final_private_at =
                        CASE WHEN n.final THEN %(instant)s ELSE t.final_private_at END,
                    promoted = t.promoted OR n.paid
                FROM {scratch} n
                    JOIN {parent.db_table} e ON e.{parent.pk.column} = n.{key} {latest}
                WHERE t.{parent.pk.column} = n.{key}
                RETURNING {returned}, {recorded} AS changed,
                    t.created_at AS posted, t.kind <> '{Tweet.Kind.RETWEET}' AS gains
            )""",
            f"""{name}_written AS (
                INSERT INTO {table} ({key}, captured_at, {columns})
                SELECT {key}, %(instant)s, {columns} FROM {name}_polled WHERE changed
                RETURNING {key}
            )""",
        ], f"{name}_polled p WHERE p.changed AND p.gains"
    return [
        f"""{name}_polled AS (
            SELECT {returned}, n.posted, n.gains FROM {scratch} n
                JOIN {parent.db_table} e ON e.{parent.pk.column} = n.{key} {latest}
            WHERE {changed}
        )""",
        f"""{name}_written AS (
            INSERT INTO {table} ({key}, captured_at, {columns})
            SELECT {key}, %(instant)s, {columns} FROM {name}_polled
            ON CONFLICT DO NOTHING RETURNING {key}
        )""",
        f"""{name}_marked AS (
            UPDATE {parent.db_table} t SET last_sampled_at = %(instant)s
            FROM {name}_written w WHERE t.{parent.pk.column} = w.{key}
        )""",
    ], f"{name}_polled p JOIN {name}_written w ON w.{key} = p.{key} WHERE p.gains"


def _gains_sql(batch: Batch, gained_from: str, rolled: list[str]) -> str:
    """A batch's gains as rows (bucket, context, every rollup column in `rolled`'s order),
    one per hour and context it gained in.

    A sample with a latest one before it (`seen`) gains the difference, in the poll's hour
    (a parameter: date_trunc with a zone costs a microsecond or two a row); a first
    sample gains all it holds, in the hour the object was posted. A NULL on either side
    makes a difference NULL, which SUM skips: it gains nothing. Each batch sums only its
    own columns; the statement adds the batches up (_rules_statement)."""
    mine = [(f"{c}_{r}", s) for c, pairs in batch.pairs.items() for r, s in pairs]
    seen = ", ".join(f"p.{s} - p.was_{s} AS {name}" for name, s in mine)
    first = ", ".join(f"p.{s} AS {name}" for name, s in mine)
    names = {name for name, _ in mine}
    per_context = ", ".join(
        "('{}', {})".format(
            context,
            ", ".join(
                f"COALESCE(g.{context}_{r}, 0)" if f"{context}_{r}" in names else "0"
                for r in rolled
            ),
        )
        for context in CONTEXTS
    )
    return (
        f"SELECT g.bucket, x.* FROM ("
        f"SELECT bucket, {', '.join(f'SUM({name}) AS {name}' for name, _ in mine)} FROM ("
        f"SELECT %(hour)s AS bucket, {seen} FROM {gained_from} AND p.seen UNION ALL"
        f" SELECT date_trunc('hour', p.posted, 'UTC'), {first} FROM {gained_from}"
        " AND NOT p.seen"
        f") u GROUP BY bucket) g CROSS JOIN LATERAL (VALUES {per_context})"
        f" AS x (context, {', '.join(rolled)})"
    )


def _rules_sql(shapes: tuple[_Shape, ...], batches: list[Batch]) -> str:
    """_rules_statement for batches of these shapes, built once per process: a poll's
    statement is looked up by its text among the session's prepared ones."""
    key = tuple(shape.key for shape in shapes)
    sql = _RULES.get(key)
    if sql is None:
        sql = _RULES[key] = _rules_statement(batches)
    return sql


def _rules_statement(batches: list[Batch]) -> str:
    """The rules (module docstring) for every batch of a poll as one statement: each
    batch's CTEs (_batch_sql), then the gains of all of them summed per hour, a row per
    context upserted into the rollups (one upsert: a statement may touch a row once).
    Returns the number of samples written, the number of Tweets it found (polled) and
    that of the poll's media keys stored."""
    rollup_table = HourlyRollup._meta.db_table
    rolled = list(
        dict.fromkeys(r for batch in batches for pairs in batch.pairs.values() for r, _ in pairs)
    )
    ctes, parts = [], []
    for batch in batches:
        batch_ctes, gained_from = _batch_sql(batch)
        ctes += batch_ctes
        parts.append(_gains_sql(batch, gained_from, rolled))
    sums = ", ".join(f"SUM({r})::bigint" for r in rolled)
    ctes.append(
        f"""gains AS (
            INSERT INTO {rollup_table} (account_id, bucket, context, {", ".join(rolled)})
            SELECT %(account)s, y.bucket, y.context, {sums}
            FROM ({" UNION ALL ".join(parts)}) AS y (bucket, context, {", ".join(rolled)})
            GROUP BY y.bucket, y.context
            HAVING {" OR ".join(f"SUM({r}) <> 0" for r in rolled)}
            ON CONFLICT (account_id, context, bucket) DO UPDATE SET
                {", ".join(f"{r} = {rollup_table}.{r} + EXCLUDED.{r}" for r in rolled)}
        )"""
    )
    counted = " + ".join(
        f"(SELECT count(*) FROM {batch.model._meta.model_name}_written)" for batch in batches
    )
    found = " + ".join(
        f"(SELECT count(*) FROM {batch.model._meta.model_name}_polled)"
        for batch in batches
        if batch.polled
    )
    stored = (
        f"(SELECT count(*) FROM {Media._meta.db_table}"
        f" WHERE {Media._meta.pk.column} = ANY(%(media)s))"
    )
    return f"WITH {', '.join(ctes)} SELECT {counted}, {found or 0}, {stored}"


def database_writer() -> OrmWriter:
    """The writer for the default database."""
    return CopyWriter() if connection.vendor == "postgresql" else OrmWriter()
