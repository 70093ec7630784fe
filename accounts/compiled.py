"""Queries requests run again and again, built by the ORM once per process and then run
with each request's ids: the signed-in person with their profile and the accounts they may
see (every request), a Tweet through those accounts and a Tweet's media (a Tweet's page
and reads).

Building a query is Django's slowest step for a small one: about 1 ms of Python to
compile SQL that the database answers in 0.3 ms, on every request, for a statement that
differs only in its ids. Here the ORM compiles the query once, for probe values no one
has; every run substitutes the real values for them and builds the model instances with
`Model.from_db`, as the ORM's own iterator does (the backend's converters applied,
select_related's objects included, one level deep, cached on both sides as the ORM caches
them).
"""

import functools
import inspect
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet

from . import prepared

# Values no row has, one per argument: the query is built for them once, then run with the
# real values in each place they stood. Within a 32-bit integer's range, which the ORM
# checks for an integer key (outside it, a lookup finds nothing and compiles to no SQL).
PROBE = -(2**31)
PROBES = tuple(PROBE + i for i in range(4))


class CompiledQuery:
    """`queryset(*values)` compiled once per process; calling it with values returns the
    list the queryset would, from one statement and no ORM compilation. Each value must be
    a query parameter (an id), not something that changes the SQL's shape."""

    def __init__(self, queryset: Callable[..., QuerySet], using: str = DEFAULT_DB_ALIAS):
        self._queryset = queryset
        self._using = using
        # One probe per argument without a default.
        parameters = inspect.signature(queryset).parameters.values()
        self._arguments = sum(1 for p in parameters if p.default is p.empty)

    @functools.cached_property
    def _plan(self):
        probes = PROBES[: self._arguments]
        compiler = self._queryset(*probes).query.get_compiler(self._using)
        sql, params = compiler.as_sql()
        if set(params) != set(probes):
            raise AssertionError(f"The query takes other values than its {probes}: {params}")
        # Which argument goes in each of the statement's parameters.
        positions = [probes.index(param) for param in params]
        columns = [column for column, _sql, _alias in compiler.select]
        # What the backend turns values into (SQLite's datetimes, say; none on PostgreSQL),
        # applied per row as the ORM's compiler does.
        converters = compiler.get_converters(columns)
        info = compiler.klass_info

        def part(info):
            indexes = info["select_fields"]
            names = [columns[i].target.attname for i in indexes]
            return info["model"], names, indexes, names.index(info["model"]._meta.pk.attname)

        related = []
        for inner in info.get("related_klass_infos", []):
            if inner.get("related_klass_infos"):
                raise AssertionError("select_related deeper than one level is not supported.")
            related.append((part(inner), inner["local_setter"], inner["remote_setter"]))
        return sql, positions, part(info), related, list(converters.items())

    def __call__(self, *values) -> list[Model]:
        return run_together((self, values))[0]

    def _statement(self, values) -> tuple[str, list]:
        sql, positions = self._plan[:2]
        return sql, [values[i] for i in positions]

    def _built(self, rows, connection) -> list[Model]:
        _sql, _positions, (model, names, indexes, _pk), related, converters = self._plan
        if converters:
            rows = [_converted(row, converters, connection) for row in rows]
        found = []
        for row in rows:
            obj = model.from_db(self._using, names, [row[i] for i in indexes])
            for (other, other_names, other_indexes, pk), local_setter, remote_setter in related:
                values = [row[i] for i in other_indexes]
                # A LEFT JOIN that found nothing: cached as None, as the ORM does.
                joined = None
                if values[pk] is not None:
                    joined = other.from_db(self._using, other_names, values)
                local_setter(obj, joined)
                if joined is not None:
                    remote_setter(joined, obj)
            found.append(obj)
        return found


def run_together(*calls: tuple[CompiledQuery, tuple], along=None) -> list[list]:
    """Each (compiled query, its values)'s list. On PostgreSQL the statements are prepared
    once per session (accounts/prepared.py) and sent in one round trip (one query string;
    each statement's rows read in turn); elsewhere they run one after the other. All on the
    first query's database. With `along` (the person's own read, accounts/backends.py):
    more (statement, parameters) sent in the same round trip, whose rows follow the
    lists as they came, and nothing taken from what was sent ahead (accounts/ahead.py)."""
    using = calls[0][0]._using
    connection = connections[using]
    statements = [query._statement(values) for query, values in calls]
    with connection.cursor() as cursor:
        if along is None:
            results = prepared.fetch_together(cursor, statements)
        else:
            results = prepared.send_together(cursor, statements + list(along))
    built = [
        query._built(rows, connection)
        for (query, _), rows in zip(calls, results[: len(calls)], strict=True)
    ]
    return built + results[len(calls) :]


def _converted(row, converters, connection) -> list:
    row = list(row)
    for position, (functions, expression) in converters:
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return row
