"""The schema: no index of ours is one that another index of the same table already serves
(each costs every insert, and space). `make lint` checks that the migrations make what the
models say (makemigrations --check)."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

OUR_APPS = ("accounts", "tweets", "dashboard", "reports", "notifications", "alerts", "sandbox")

# Each index that is neither unique nor partial, beside another index of the same table whose
# columns begin with all of its own, in order and with the same operator classes (Django's
# "_like" indexes serve LIKE, which the others cannot): the second serves every lookup the
# first does.
REDUNDANT = """
    SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
    FROM pg_index a
    JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
    WHERE a.indrelid = ANY(%s::regclass[])
      AND NOT a.indisunique AND a.indpred IS NULL AND a.indexprs IS NULL
      AND b.indpred IS NULL AND b.indexprs IS NULL
      AND a.indnatts <= b.indnatts
      AND (b.indkey::int2[])[0:a.indnatts - 1] = (a.indkey::int2[])[0:a.indnatts - 1]
      AND (b.indclass::oid[])[0:a.indnatts - 1] = (a.indclass::oid[])[0:a.indnatts - 1]
"""


def _our_tables() -> list[str]:
    return sorted(
        model._meta.db_table
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    )


def _indexes(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [table])
        return {row[0] for row in cursor.fetchall()}


def _foreign_keys(table: str) -> list[tuple]:
    """(oid, name) of the table's foreign-key constraints: a key dropped and added again
    keeps its name, not its oid."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT oid, conname FROM pg_constraint"
            " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY oid",
            [table],
        )
        return cursor.fetchall()


@pytest.mark.django_db
def test_no_index_of_ours_is_served_by_another_of_its_table():
    tables = _our_tables()
    assert "tweets_tweet" in tables and "tweets_pollrun" in tables
    with connection.cursor() as cursor:
        cursor.execute(REDUNDANT, [tables])
        redundant = sorted(cursor.fetchall())
    # Django's automatic M2M tables index each side and keep a unique pair: their first
    # side's index is the one exception, as their through models are Django's own.
    allowed = {
        (
            "tweets_tweet_media_tweet_id_c44b38dd",
            "tweets_tweet_media_tweet_id_media_id_c4443a91_uniq",
        ),
        (
            "reports_reportsubscription_reportsubscription_id_4b980464",
            "reports_reportsubscripti_reportsubscription_id_xa_620003b2_uniq",
        ),
    }
    assert [pair for pair in redundant if pair not in allowed] == []


@pytest.mark.django_db
def test_the_dropped_foreign_key_indexes_come_back_when_migrated_back():
    """tweets 0011 drops only the indexes (accounts.schema.drop_fk_index): migrated back,
    they exist again, and the foreign keys were never touched (the same constraints, by
    their oids: Django's own AlterField drops and re-adds them). All in the test's
    transaction, which undoes it."""
    keys = _foreign_keys("tweets_tweet")
    assert "tweets_tweet_account_id_67574ee7" not in _indexes("tweets_tweet")
    assert "tweet_account_created_idx" in _indexes("tweets_tweet")

    call_command("migrate", "tweets", "0010", verbosity=0)
    assert "tweets_tweet_account_id_67574ee7" in _indexes("tweets_tweet")
    assert "tweets_pollrun_account_id_346b5029" in _indexes("tweets_pollrun")

    call_command("migrate", "tweets", verbosity=0)
    assert "tweets_tweet_account_id_67574ee7" not in _indexes("tweets_tweet")
    assert "tweets_pollrun_account_id_346b5029" not in _indexes("tweets_pollrun")
    assert _foreign_keys("tweets_tweet") == keys
