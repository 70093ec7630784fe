"""How a poll's rows reach the database: a fixed number of statements whatever the number
of Tweets, so ingest runs near the speed of a bare COPY (DESIGN.md section 8).

tweets.polling.store() decides what to write (only what changed, gains against the latest
sample); a writer reads what it needs and writes it, four operations in all:

1. `tweets`: what store() needs to know of the Tweets it was handed that are stored;
2. `latest`: each object's latest sample (the one at its last_sampled_at), and whether it
   was taken at this poll's instant;
3. `insert`: the new samples of one instant, skipping an (object, instant) already stored;
4. `mark_polled`: the Tweets' poll times, in one UPDATE.

`CopyWriter` (Postgres) sends samples with COPY into a temporary table and one
INSERT ... SELECT ... ON CONFLICT DO NOTHING, and passes ids as one array parameter.
`OrmWriter` does the same through the ORM on any other database: the embedded demo's
SQLite, exercised by the demo's smoke run.
"""

from datetime import datetime

from django.db import connection
from django.db.models import Case, F, Value, When

from .metrics import TWEET_SAMPLE_COLUMNS, VIDEO_SAMPLE_COLUMNS
from .models import Tweet, TweetSample, VideoSample

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


def _set_for(keys, value, field: str) -> Case:
    """`value` for the rows whose key is in `keys`, their own `field` for the others."""
    return Case(When(pk__in=keys, then=Value(value)), default=F(field))


class OrmWriter:
    """Through the ORM, on any database."""

    def tweets(self, ids: list[int]) -> dict[int, tuple]:
        """{id: (kind, promoted)} of the Tweets already stored."""
        rows = Tweet.objects.filter(pk__in=ids).values_list("id", "kind", "promoted")
        return {row[0]: row[1:] for row in rows}

    def latest(self, model, keys: list, instant: datetime) -> dict:
        """{object key: (taken at `instant`, metric values in the registry's order)}."""
        field = owner(model)
        rows = model.objects.filter(
            **{f"{field.name}__in": keys, "captured_at": F(f"{field.name}__last_sampled_at")}
        ).values_list(field.attname, "captured_at", *SAMPLE_COLUMNS[model])
        return {row[0]: (row[1] == instant, row[2:]) for row in rows}

    def insert(self, model, instant: datetime, rows: list[tuple]) -> set:
        """Write rows (object key, instant, *metric values); returns the keys written."""
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

    def mark_polled(self, ids: list[int], instant: datetime, sampled: set, final: set) -> None:
        """Every Tweet polled at `instant`; those sampled, and final snapshots, say so too."""
        Tweet.objects.filter(pk__in=ids).update(
            last_polled_at=instant,
            last_sampled_at=_set_for(sampled, instant, "last_sampled_at"),
            final_private_at=_set_for(final, instant, "final_private_at"),
        )


class CopyWriter(OrmWriter):
    """Postgres: COPY for samples, one array parameter for a list of ids."""

    def tweets(self, ids: list[int]) -> dict[int, tuple]:
        rows = self._fetch(
            f"SELECT id, kind, promoted FROM {Tweet._meta.db_table} WHERE id = ANY(%s)", [ids]
        )
        return {row[0]: row[1:] for row in rows}

    def latest(self, model, keys: list, instant: datetime) -> dict:
        # The instant is compared here: reading timestamps back costs more than the query.
        field = owner(model)
        parent = field.related_model._meta
        columns = ", ".join(f"s.{c}" for c in SAMPLE_COLUMNS[model])
        rows = self._fetch(
            f"SELECT s.{field.column}, s.captured_at = %s, {columns}"
            f" FROM {parent.db_table} o JOIN {model._meta.db_table} s"
            f" ON s.{field.column} = o.{parent.pk.column} AND s.captured_at = o.last_sampled_at"
            f" WHERE o.{parent.pk.column} = ANY(%s)",
            [instant, keys],
        )
        return {row[0]: (row[1], row[2:]) for row in rows}

    def insert(self, model, instant: datetime, rows: list[tuple]) -> set:
        # COPY cannot skip rows already stored, so it fills a temporary table (gone at
        # commit; dropped first when this transaction made one already, as in the tests).
        table = model._meta.db_table
        names = ", ".join(sample_columns(model))
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS pg_temp.poll_samples")
            cursor.execute(f"CREATE TEMPORARY TABLE poll_samples (LIKE {table}) ON COMMIT DROP")
            with cursor.copy(f"COPY poll_samples ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM poll_samples"
                f" ON CONFLICT DO NOTHING RETURNING {owner(model).column}"
            )
            return {key for (key,) in cursor.fetchall()}

    def mark_polled(self, ids: list[int], instant: datetime, sampled: set, final: set) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Tweet._meta.db_table} SET last_polled_at = %(instant)s,"
                " last_sampled_at = CASE WHEN id = ANY(%(sampled)s) THEN %(instant)s"
                " ELSE last_sampled_at END,"
                " final_private_at = CASE WHEN id = ANY(%(final)s) THEN %(instant)s"
                " ELSE final_private_at END"
                " WHERE id = ANY(%(ids)s)",
                {"instant": instant, "ids": ids, "sampled": list(sampled), "final": list(final)},
            )

    @staticmethod
    def _fetch(sql: str, params: list) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


def database_writer() -> OrmWriter:
    """The writer for the default database."""
    return CopyWriter() if connection.vendor == "postgresql" else OrmWriter()
