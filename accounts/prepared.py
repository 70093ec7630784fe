"""The statements every dashboard request runs, prepared once per database session.

PostgreSQL parses and plans a statement each time it is sent: for the account-level reads,
0.1 to 0.4 ms of a request whose numbers take 0.5 to 1 ms to compute (the totals of two
periods: 1.05 ms sent plain, 0.70 ms prepared, measured in the same process). These
statements are the same text on every request, with only their values changing, so each
one is prepared (`PREPARE`) the first time a database session runs it and then run with
`EXECUTE` and its values: parsed once per session; PostgreSQL's plan cache then decides
between a plan for the values and a generic one, as for any prepared statement.

Django leaves psycopg's own prepared statements off (they break behind a transaction-mode
pooler); the poll's writer already needs a session that lasts (tweets/ingest.py), and
these need nothing more. A session's prepared statements are remembered per connection
object, so a new connection prepares afresh. Should one be gone all the same (a pooler
that discards, say), the statement fails once, the connection forgets what it prepared,
and a statement run outside a transaction is prepared again and retried at once.

`fetch_together` and `send_together` take statements with Django's placeholders (`%s`,
or `%(name)s`, each name one parameter however often it appears) and run them as prepared
statements on PostgreSQL, as plain ones elsewhere.
"""

import itertools
import re
import weakref

from django.db import DatabaseError
from psycopg import errors

from . import ahead

# Per database connection: {statement text: (its parameters' order, its EXECUTE)}.
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_NAMES = itertools.count()
# At most this many statements are prepared per session; any further one runs plain (every
# statement given here is a fixed text, a few dozen in all: this only bounds a mistake).
MOST = 200
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%s|%%")
# What a statement that was prepared and is gone, or whose tables changed shape under it
# ("cached plan must not change result type"), fails with (psycopg's errors, which Django
# raises as its own with psycopg's as the cause).
STALE = (errors.InvalidSqlStatementName, errors.FeatureNotSupported)


def stale(error: Exception) -> bool:
    """Whether a database error means a prepared statement is gone or out of date."""
    return isinstance(error, STALE) or isinstance(error.__cause__, STALE)


def fetch_together(cursor, statements: list[tuple[str, object]]) -> list[list]:
    """The rows of each (statement, parameters: a dict for `%(name)s` placeholders, else
    a sequence), all sent in one round trip on PostgreSQL: one query string of their
    `EXECUTE`s, each one's rows read in turn. A page that needs several statements waits
    for the server once, not once per statement (each wait is 0.1 ms on one machine, more
    where the database is another host). Elsewhere, or once the session holds MOST
    statements, they run one by one. Within accounts.ahead.reads_ahead, a statement
    already sent ahead in this request with these parameters is answered from its rows,
    and the rest are sent."""
    results = [ahead.take(sql, params) for sql, params in statements]
    missing = [index for index, rows in enumerate(results) if rows is None]
    if missing:
        fetched = send_together(cursor, [statements[index] for index in missing])
        for index, rows in zip(missing, fetched, strict=True):
            results[index] = rows
    return results


def send_together(cursor, statements: list[tuple[str, object]]) -> list[list]:
    """fetch_together without looking at what was sent ahead."""

    def run():
        known = [_known(cursor, sql) for sql, _ in statements]
        if any(k is None for k in known):
            results = []
            for sql, params in statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchall())
            return results
        values = []
        for (order, _), (_, params) in zip(known, statements, strict=True):
            values += [params[name] for name in order] if isinstance(params, dict) else params
        cursor.execute("; ".join(statement for _, statement in known), values)
        results = [cursor.fetchall()]
        while cursor.nextset():
            results.append(cursor.fetchall())
        return results

    return retried(cursor.db, run)


def retried(connection, run):
    """`run()`, once more if it failed because a statement prepared on this connection is
    gone or out of date (after forgetting what the session prepared), unless inside a
    transaction, which that error aborted."""
    try:
        return run()
    except DatabaseError as exc:
        if not stale(exc):
            raise
        forget(connection)
        if connection.in_atomic_block:
            raise
    return run()


def _known(cursor, sql: str) -> tuple[list, str] | None:
    """(the order of its parameters, the EXECUTE) of `sql` prepared on this cursor's
    session, preparing it first if need be; None when it is to run plain (not PostgreSQL,
    or the session already holds MOST statements)."""
    connection = cursor.db
    if connection.vendor != "postgresql":
        return None
    prepared = _PREPARED.setdefault(connection.connection, {})
    known = prepared.get(sql)
    if known is None and len(prepared) < MOST:
        known = prepared[sql] = _prepare(cursor, sql)
    return known


def forget(connection) -> None:
    """Forget what this connection's session prepared (after an error that may mean a
    statement is gone): the next run prepares again, under a new name."""
    if connection.connection is not None:
        _PREPARED.pop(connection.connection, None)


def _prepare(cursor, sql: str) -> tuple[list, str]:
    name = f"read_{next(_NAMES)}"
    order: list = []

    def number(match) -> str:
        if match.group(0) == "%%":
            return "%"
        key = match.group(1) if match.group(1) is not None else len(order)
        if key not in order or match.group(1) is None:
            order.append(key)
        return f"${order.index(key) + 1}"

    body = _PLACEHOLDER.sub(number, sql)
    cursor.execute(f"PREPARE {name} AS {body}")
    placeholders = ", ".join(["%s"] * len(order))
    return order, f"EXECUTE {name} ({placeholders})" if order else f"EXECUTE {name}"


def source(connection, sent: str) -> str:
    """The statement an `EXECUTE` sent on this connection runs, as given to `fetch_together`
    (what was sent, when it is not one of ours): for reading captured queries."""
    for sql, (_order, statement) in _PREPARED.get(connection.connection, {}).items():
        execute = statement.split(" (")[0]  # EXECUTE and the statement's name
        if sent == execute or sent.startswith((f"{execute} (", f"{execute};")):
            return sql
    return sent
