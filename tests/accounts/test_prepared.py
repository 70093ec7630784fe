"""accounts/prepared.py: statements prepared once per database session, run with EXECUTE,
the same rows as sent plain; a statement gone from the session is prepared again."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts import prepared

NAMED = "SELECT %(a)s::int + %(b)s::int, %(a)s::int * 2, '100%%'::text"


def _run(sql, params):
    with connection.cursor() as cursor:
        (rows,) = prepared.send_together(cursor, [(sql, params)])
        return rows


@pytest.mark.django_db
def test_prepared_once_then_executed_with_the_same_rows():
    with CaptureQueriesContext(connection) as first:
        assert _run(NAMED, {"a": 3, "b": 4}) == [(7, 6, "100%")]
    with CaptureQueriesContext(connection) as second:
        assert _run(NAMED, {"b": 1, "a": 5}) == [(6, 10, "100%")]
    assert first.captured_queries[0]["sql"].startswith("PREPARE ")
    # Each name is one parameter, however often it appears.
    assert "$1::int + $2::int, $1::int * 2, '100%'" in first.captured_queries[0]["sql"]
    assert len(second.captured_queries) == 1
    sent = second.captured_queries[0]["sql"]
    assert sent.startswith("EXECUTE ") and prepared.source(connection, sent) == NAMED


@pytest.mark.django_db
def test_positional_placeholders():
    assert _run("SELECT %s::int - %s::int", [10, 3]) == [(7,)]
    assert _run("SELECT %s::int - %s::int", [3, 10]) == [(-7,)]


@pytest.mark.django_db(transaction=True)
def test_a_statement_gone_from_the_session_is_prepared_again():
    assert _run(NAMED, {"a": 1, "b": 1}) == [(2, 2, "100%")]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    # Outside a transaction: prepared again and retried at once.
    assert _run(NAMED, {"a": 2, "b": 2}) == [(4, 4, "100%")]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    # Inside one, the error stands (the transaction is aborted), and the next one prepares.
    with pytest.raises(Exception, match="does not exist"), transaction.atomic():
        _run(NAMED, {"a": 3, "b": 3})
    assert _run(NAMED, {"a": 3, "b": 3}) == [(6, 6, "100%")]


@pytest.mark.django_db
def test_past_the_bound_statements_run_plain(monkeypatch):
    monkeypatch.setattr(prepared, "MOST", 0)
    prepared.forget(connection)
    with CaptureQueriesContext(connection) as done:
        assert _run("SELECT %s::int", [5]) == [(5,)]
    assert [q["sql"] for q in done.captured_queries] == ["SELECT 5::int"]


@pytest.mark.django_db(transaction=True)
def test_compiled_queries_sent_together_are_prepared_again_when_gone(alice):
    from accounts.backends import _users
    from accounts.compiled import run_together
    from accounts.models import visible_query

    calls = ((_users, (alice.pk,)), (visible_query, (alice.pk,)))
    assert run_together(*calls)[0] == [alice]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    with CaptureQueriesContext(connection) as done:
        users, accounts = run_together(*calls)
    assert users == [alice] and accounts == []
    sent = [q["sql"] for q in done.captured_queries]
    assert sent[0].startswith("EXECUTE ") and sent[-1].startswith("EXECUTE ")
    assert sum(sql.startswith("PREPARE ") for sql in sent) == 2


def _together(statements):
    with connection.cursor() as cursor:
        return prepared.fetch_together(cursor, statements)


@pytest.mark.django_db
def test_statements_fetched_together_in_one_round_trip():
    """Named and positional parameters, a statement sent twice with other values, one
    without rows: each keeps its own rows, and once prepared all go in one query."""
    statements = [
        (NAMED, {"a": 3, "b": 4}),
        ("SELECT %s::int - %s::int", [10, 3]),
        (NAMED, {"b": 1, "a": 5}),
        ("SELECT 1 WHERE %s::bool", [False]),
    ]
    expected = [[(7, 6, "100%")], [(7,)], [(6, 10, "100%")], []]
    assert _together(statements) == expected  # prepares the three texts
    with CaptureQueriesContext(connection) as done:
        assert _together(statements) == expected
    sent = [q["sql"] for q in done.captured_queries]
    assert len(sent) == 1 and sent[0].count("EXECUTE ") == 4, sent


@pytest.mark.django_db
def test_statements_fetched_together_past_the_bound_run_one_by_one(monkeypatch):
    monkeypatch.setattr(prepared, "MOST", 0)
    prepared.forget(connection)
    with CaptureQueriesContext(connection) as done:
        rows = _together([("SELECT %s::int", [5]), (NAMED, {"a": 1, "b": 2})])
    assert rows == [[(5,)], [(3, 2, "100%")]]
    assert [q["sql"] for q in done.captured_queries] == [
        "SELECT 5::int",
        "SELECT 1::int + 2::int, 1::int * 2, '100%'::text",
    ]


@pytest.mark.django_db(transaction=True)
def test_statements_fetched_together_are_prepared_again_when_gone():
    statements = [(NAMED, {"a": 1, "b": 1}), ("SELECT %s::int", [9])]
    assert _together(statements) == [[(2, 2, "100%")], [(9,)]]
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    assert _together(statements) == [[(2, 2, "100%")], [(9,)]]
