"""Post reads counted the way X bills them (FACTS.md, Billing): every Tweet X returned in
a successful answer, once per UTC day however often it was read that day.

Each Tweet keeps the last UTC day it was billed (`Tweet.last_billed_on`); one statement
marks the Tweets a poll read that were not billed yet today and adds them, per account, to
that day's `BilledReads` counter. At 300,000 live Tweets that is one narrow column and one
row per account and day, where a row per Tweet and day would grow by 300,000 rows a day.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime

from django.db import connection, transaction
from django.db.models import Count, F, Q

from .models import BilledReads, Tweet

# SQLite (the embedded demo) binds at most 32,766 parameters a statement.
PORTABLE_CHUNK = 500


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def record(tweet_ids: Iterable[int], now: datetime) -> int:
    """Count the reads of these Tweets at `now` that X bills (the first of each Tweet on
    now's UTC day); returns how many. Tweets not stored yet are not counted."""
    ids = sorted(set(tweet_ids))
    if not ids:
        return 0
    day = utc_day(now)
    if connection.vendor != "postgresql":
        return _record_portable(ids, day)
    tweets, counters = Tweet._meta.db_table, BilledReads._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH billed AS (
                UPDATE {tweets} SET last_billed_on = %(day)s
                WHERE id = ANY(%(ids)s)
                  AND (last_billed_on IS NULL OR last_billed_on < %(day)s)
                RETURNING account_id
            ), counted AS (
                INSERT INTO {counters} (account_id, day, tweets)
                SELECT account_id, %(day)s, count(*) FROM billed GROUP BY account_id
                ON CONFLICT (account_id, day)
                DO UPDATE SET tweets = {counters}.tweets + EXCLUDED.tweets
            )
            SELECT count(*) FROM billed
            """,
            {"day": day, "ids": ids},
        )
        return int(cursor.fetchone()[0])


def _record_portable(ids: list[int], day: date) -> int:
    """The same count through the ORM, for databases without data-modifying CTEs; the
    caller's poll transaction (or this one) keeps the mark and the counter together."""
    per_account: dict[int, int] = {}
    with transaction.atomic():
        for start in range(0, len(ids), PORTABLE_CHUNK):
            unbilled = Tweet.objects.filter(pk__in=ids[start : start + PORTABLE_CHUNK]).filter(
                Q(last_billed_on__isnull=True) | Q(last_billed_on__lt=day)
            )
            for account_id, count in unbilled.values_list("account_id").annotate(Count("pk")):
                per_account[account_id] = per_account.get(account_id, 0) + count
            unbilled.update(last_billed_on=day)
        for account_id, count in per_account.items():
            BilledReads.objects.get_or_create(account_id=account_id, day=day)
            BilledReads.objects.filter(account_id=account_id, day=day).update(
                tweets=F("tweets") + count
            )
    return sum(per_account.values())
