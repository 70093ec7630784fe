"""Post reads counted the way X bills them (FACTS.md, Billing): every Tweet X returned in
a successful answer, once per UTC day however often it was read that day.

Each Tweet keeps the last UTC day it was billed (`Tweet.last_billed_on`); one statement
marks the Tweets a poll read that were not billed yet today and adds them, per account, to
that day's `BilledReads` counter. At 300,000 live Tweets that is one narrow column and one
row per account and day, where a row per Tweet and day would grow by 300,000 rows a day.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime

from django.db import connection

from .models import BilledReads, Tweet


def utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def record(tweet_ids: Iterable[int], now: datetime) -> int:
    """Count the reads of these Tweets at `now` that X bills (the first of each Tweet on
    now's UTC day); returns how many. Tweets not stored yet are not counted."""
    ids = sorted(set(tweet_ids))
    if not ids:
        return 0
    day = utc_day(now)
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
