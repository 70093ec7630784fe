"""How a poll's samples reach the database: a fixed number of statements whatever the
number of Tweets (bench/ingest.py measures it against a bare COPY, DESIGN.md section 8).

tweets.polling.store() reads X's answers into a `Batch` per sample table: every object's
values as X gave them, when it was posted, whether its gains count, whether its promoted
counts are carried forward, whether this is its final private snapshot. A writer applies
the rules and writes:

1. a promoted count not asked for this time is carried forward from the latest sample;
2. a sample only when some value changed since the object's latest sample, and only after
   it: the first poll of a second stands, and a replayed poll (at the same instant or an
   earlier one) writes nothing;
3. gains against the latest sample (a NULL on either side gains nothing; a first sample
   gains all of it, in the hour the object was posted), only for the samples written, added
   to the hourly rollups;
4. the objects' own record: last_sampled_at where a sample was written, and for Tweets
   last_polled_at (every Tweet the poll read) and final_private_at.

`CopyWriter` (Postgres) does it set-based: COPY into the session's temporary table, then
one statement that finds each object's latest sample by the table's key, inserts the
changed ones, upserts the gains by hour and context and updates the objects. The account's
row lock (store()) serialises a Tweet's polls, so a Tweet's insert meets no conflict; video
samples, whose media two accounts' Tweets can carry, are inserted ON CONFLICT DO NOTHING.
`OrmWriter` applies the same rules in Python through the ORM on any other database: the
embedded demo's SQLite, which the demo's smoke run exercises (the tests run on Postgres).
"""

import operator
import zlib
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection
from django.db.models import Case, F, Value, When

from .metrics import CONTEXTS, TWEET_SAMPLE_COLUMNS, VIDEO_SAMPLE_COLUMNS
from .models import HourlyRollup, Tweet, TweetSample, VideoSample

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
    """One poll's samples for one table, before the rules (see the module docstring)."""

    model: type
    instant: datetime
    pairs: dict[str, list[tuple[str, str]]]  # per context, (rollup column, sample column)
    carried: tuple[str, ...] = ()  # the columns a `carry` row takes from its latest sample
    # (key, metric values in the registry's order, posted, gains count, carry, final)
    rows: list[tuple] = field(default_factory=list)
    columns: tuple[str, ...] = field(init=False)

    def __post_init__(self):
        self.columns = SAMPLE_COLUMNS[self.model]
        self._pick = operator.itemgetter(*self.columns)

    @property
    def polled(self) -> bool:
        """Whether the batch's objects keep when they were last polled (Tweets do)."""
        return self.model is TweetSample

    def add(self, key, values: dict, posted: datetime, *, gains=True, carry=False, final=False):
        self.rows.append((key, self._pick(values), posted, gains, carry, final))


def _set_for(keys, value, field: str) -> Case:
    """`value` for the rows whose key is in `keys`, their own `field` for the others."""
    return Case(When(pk__in=keys, then=Value(value)), default=F(field))


class OrmWriter:
    """The rules in Python, through the ORM, on any database."""

    def tweets(self, ids: list[int]) -> dict[int, tuple]:
        """{id: (kind, promoted)} of the Tweets already stored."""
        rows = Tweet.objects.filter(pk__in=ids).values_list("id", "kind", "promoted")
        return {row[0]: row[1:] for row in rows}

    def write(self, batch: Batch, rollups) -> set:
        """Write the batch's changed samples and add their gains to `rollups` (an
        in-memory tweets.polling.Rollups). Returns the keys of the samples written."""
        latest = self._latest(batch.model, [row[0] for row in batch.rows])
        carried = [batch.columns.index(c) for c in batch.carried]
        fresh, gains = [], {}
        for key, values, posted, counts, carry, _ in batch.rows:
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
        objects.filter(pk__in=[row[0] for row in batch.rows]).update(
            last_polled_at=batch.instant,
            last_sampled_at=_set_for(written, batch.instant, "last_sampled_at"),
            final_private_at=_set_for(
                [row[0] for row in batch.rows if row[5]], batch.instant, "final_private_at"
            ),
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
    """Postgres: the rules in one statement over a COPY of the batch."""

    def tweets(self, ids: list[int]) -> dict[int, tuple]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, kind, promoted FROM {Tweet._meta.db_table} WHERE id = ANY(%s)", [ids]
            )
            return {row[0]: row[1:] for row in cursor.fetchall()}

    def write(self, batch: Batch, rollups) -> set:
        if not batch.rows:
            return set()
        scratch, columns = _scratch(batch)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {scratch} ON COMMIT DELETE ROWS AS SELECT"
                f" {', '.join((owner(batch.model).column, *batch.columns))}, NULL::boolean AS"
                " gains, NULL::boolean AS carry, NULL::boolean AS final, NULL::timestamptz AS"
                f" posted FROM {batch.model._meta.db_table} WITH NO DATA;"
                # Empty but for an earlier poll of this same transaction (as in the tests).
                f" DELETE FROM {scratch}"
            )
            with cursor.copy(f"COPY {scratch} ({', '.join(columns)}) FROM STDIN") as copy:
                if batch.polled:
                    for key, values, _, *flags in batch.rows:
                        copy.write_row((key, *values, *flags))
                else:
                    for key, values, posted, *flags in batch.rows:
                        copy.write_row((key, *values, *flags, posted))
            cursor.execute(
                _rules_sql(batch), {"instant": batch.instant, "account": rollups.account_id}
            )
            return {key for (key,) in cursor.fetchall()}


def _scratch(batch: Batch) -> tuple[str, tuple[str, ...]]:
    """The session's temporary table for a batch's rows and the columns a poll fills,
    emptied at every commit and kept between polls (creating and dropping one per poll
    costs more than a poll's COPY does); named after its columns, so a new metric makes a
    new one. The instant is one parameter, not a column; so is a Tweet's posting time,
    which its stored row holds (only a video's is sent: its first Tweet's)."""
    columns = (owner(batch.model).column, *batch.columns, "gains", "carry", "final")
    if not batch.polled:
        columns = (*columns, "posted")
    name = f"poll_{batch.model._meta.model_name}_{zlib.crc32(','.join(columns).encode()):08x}"
    return f"pg_temp.{name}", columns


def _rules_sql(batch: Batch) -> str:
    """The rules (module docstring) as one statement over the batch's rows (n): each beside
    its object's latest sample (o), the changed ones inserted, their gains upserted, the
    objects updated."""
    key = owner(batch.model).column
    parent = owner(batch.model).related_model._meta
    table, rollup_table = batch.model._meta.db_table, HourlyRollup._meta.db_table
    value = {
        c: f"CASE WHEN n.carry THEN o.{c} ELSE n.{c} END" if c in batch.carried else f"n.{c}"
        for c in batch.columns
    }

    def gain(column: str) -> str:
        return (
            f"CASE WHEN p.{column} IS NOT NULL AND (NOT p.seen OR p.was_{column} IS NOT NULL)"
            f" THEN p.{column} - COALESCE(p.was_{column}, 0) END"
        )

    rolled = list(dict.fromkeys(r for pairs in batch.pairs.values() for r, _ in pairs))
    # Summed per hour, one column per context and rollup column; then a row per context.
    sums = ", ".join(
        f"SUM({gain(s)}) AS {context}_{r}"
        for context, pairs in batch.pairs.items()
        for r, s in pairs
    )
    named = {(context, r) for context, pairs in batch.pairs.items() for r, _ in pairs}
    per_context = ", ".join(
        "('{}', {})".format(
            context,
            ", ".join(
                f"COALESCE(g.{context}_{r}, 0)" if (context, r) in named else "0" for r in rolled
            ),
        )
        for context in CONTEXTS
    )
    sampled = f"CASE WHEN w.{key} IS NULL THEN t.last_sampled_at ELSE %(instant)s END"
    marked = (
        f"last_polled_at = %(instant)s, last_sampled_at = {sampled}, final_private_at ="
        " CASE WHEN n.final THEN %(instant)s ELSE t.final_private_at END"
        if batch.polled
        else f"last_sampled_at = {sampled}"
    )
    scratch = _scratch(batch)[0]
    # Looked up only for a first sample, the one whose gains go to the posting hour.
    posted = (
        f"CASE WHEN o.captured_at IS NULL THEN (SELECT created_at FROM {parent.db_table}"
        f" WHERE {parent.pk.column} = n.{key}) END"
        if batch.polled
        else "n.posted"
    )
    # A Tweet is sampled only under its account's lock, after its latest sample, so its
    # insert meets no conflict; a video may be carried by two accounts' Tweets.
    conflicts = "" if batch.polled else "ON CONFLICT DO NOTHING"
    gained_from = "polled p" if batch.polled else f"polled p JOIN written w ON w.{key} = p.{key}"
    return f"""
        WITH polled AS (
            SELECT n.{key}, {posted} AS posted, n.gains, o.captured_at IS NOT NULL AS seen,
                {", ".join(f"{value[c]} AS {c}" for c in batch.columns)},
                {", ".join(f"o.{c} AS was_{c}" for c in batch.columns)}
            FROM {scratch} n LEFT JOIN LATERAL (
                SELECT * FROM {table} s WHERE s.{key} = n.{key}
                ORDER BY s.captured_at DESC LIMIT 1
            ) o ON true
            WHERE o.captured_at IS NULL OR (o.captured_at < %(instant)s
                AND ROW({", ".join(value[c] for c in batch.columns)})
                    IS DISTINCT FROM ROW({", ".join(f"o.{c}" for c in batch.columns)}))
        ), written AS (
            INSERT INTO {table} ({key}, captured_at, {", ".join(batch.columns)})
            SELECT {key}, %(instant)s, {", ".join(batch.columns)} FROM polled
            {conflicts} RETURNING {key}
        ), gains AS (
            INSERT INTO {rollup_table} (account_id, bucket, context, {", ".join(rolled)})
            SELECT %(account)s, g.bucket, x.* FROM (
                SELECT date_trunc('hour', CASE WHEN p.seen THEN %(instant)s ELSE p.posted END,
                    'UTC') AS bucket, {sums}
                FROM {gained_from}
                WHERE p.gains
                GROUP BY 1
            ) g CROSS JOIN LATERAL (VALUES {per_context}) AS x (context, {", ".join(rolled)})
            WHERE {" OR ".join(f"x.{r} <> 0" for r in rolled)}
            ON CONFLICT (account_id, context, bucket) DO UPDATE SET
                {", ".join(f"{r} = {rollup_table}.{r} + EXCLUDED.{r}" for r in rolled)}
        ), marked AS (
            UPDATE {parent.db_table} t SET {marked}
            FROM {scratch} n LEFT JOIN written w ON w.{key} = n.{key}
            WHERE t.{parent.pk.column} = n.{key} AND (w.{key} IS NOT NULL OR {batch.polled})
        )
        SELECT {key} FROM written
    """


def database_writer() -> OrmWriter:
    """The writer for the default database."""
    return CopyWriter() if connection.vendor == "postgresql" else OrmWriter()
