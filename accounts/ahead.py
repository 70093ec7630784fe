"""Reads sent ahead: the statements a dashboard page ran for a person, sent again with that
person's own read on their next request for the same page, in the same round trip.

A dashboard request waits for the database at least twice: once for the person and the
accounts they may see (accounts/backends.py), and once for the numbers, whose statements
need those accounts' ids and the person's timezone (tweets/rollups.read_together). Most
requests repeat one made shortly before (a chart's JSON after its page, a refresh, the
same period again) and so run the same statements with the same parameters. Within
`reads_ahead(page)` (the dashboard's views, `page` their path and query string):

- the statements the page runs through accounts.prepared.fetch_together are remembered
  for the person and the page, in this process (the latest MOST_PAGES pages, holding
  at most MOST_VALUES parameter values in all);
- on the person's next request for that page, their read (ProfileBackend.get_user) sends
  those statements along in its round trip (`to_send`, `sent`);
- a statement the view then runs is answered from those rows only if it is the very
  statement with the very parameters sent ahead in this request (`take`); any other runs
  as always. Each row set is taken once.

So a page shows what it would have shown: the rows were read in the same request, a few
milliseconds earlier, before the person's checks. A statement that no longer matches (a new
day, a new poll's instant, an account no longer shared with them) was wasted work; its rows
are dropped, never shown. If a statement sent ahead fails, the person's read runs again
without them (get_user), so a page never fails for it.
"""

import contextvars
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field

# What a process remembers, at most: pages, and parameter values over all of them (an
# agency's overview of 1,000 accounts holds 7 lists of 1,000 ids, about 56 KB; 200,000
# values are a few MB). The least recently asked-for pages go first.
MOST_PAGES = 4096
MOST_VALUES = 200_000
# A page's address (path and query string) longer than this is not remembered: anyone
# signed in chooses it, and 4,096 of them must stay small.
LONGEST_PAGE = 512

_pages: OrderedDict = OrderedDict()  # (person's id, page) -> ([(statement, params)], weight)
_weight = 0  # the values _pages holds
_lock = threading.Lock()


def _values(params) -> int:
    """How many values a statement's parameters hold (a list counts each of its items)."""
    found = params.values() if isinstance(params, dict) else params
    return sum(len(v) if isinstance(v, list | tuple) else 1 for v in found)


@dataclass
class _Request:
    page: str
    person: object = None  # set once the person's read has asked what to send
    sent: list = field(default_factory=list)  # [(statement, parameters, rows)] not taken yet
    ran: list = field(default_factory=list)  # [(statement, parameters)] the view asked for


_REQUEST: contextvars.ContextVar = contextvars.ContextVar("reads_ahead", default=None)


@contextmanager
def reads_ahead(page: str):
    """Within it, a request for `page`: statements are sent ahead and remembered (above)."""
    request = _REQUEST.get()
    if request is not None:  # nested: the outer one already does it
        yield
        return
    request = _Request(page)
    token = _REQUEST.set(request)
    try:
        yield
    finally:
        _REQUEST.reset(token)
        if request.person is not None and request.ran and len(page) <= LONGEST_PAGE:
            _remember((request.person, page), request.ran)


def _remember(key, ran: list) -> None:
    global _weight
    weight = sum(1 + _values(params) for _, params in ran)
    with _lock:
        _weight -= _pages.pop(key, ((), 0))[1]
        if weight > MOST_VALUES:
            return  # a page too big to remember runs as a first request every time
        _pages[key] = (ran, weight)
        _weight += weight
        while len(_pages) > MOST_PAGES or _weight > MOST_VALUES:
            _weight -= _pages.popitem(last=False)[1][1]


def to_send(person) -> list[tuple[str, object]]:
    """What to send with this person's read: the statements the page ran for them last
    time ([] outside reads_ahead, or the first time)."""
    request = _REQUEST.get()
    if request is None:
        return []
    request.person = person
    with _lock:
        return list(_pages.get((person, request.page), ((), 0))[0])


def sent(statements: list[tuple[str, object]], results: list[list]) -> None:
    """The rows each statement sent ahead returned, for `take`."""
    request = _REQUEST.get()
    if request is not None:
        request.sent = [
            (sql, params, rows) for (sql, params), rows in zip(statements, results, strict=True)
        ]


def take(sql: str, params) -> list | None:
    """The rows of this statement with these parameters if they were sent ahead in this
    request (each row set once), else None; remembered as one the page runs."""
    request = _REQUEST.get()
    if request is None or request.person is None:
        return None
    request.ran.append((sql, params))
    for index, (sent_sql, sent_params, rows) in enumerate(request.sent):
        if sent_sql == sql and sent_params == params:
            del request.sent[index]
            return rows
    return None


def forget_all() -> None:
    """Forget every page remembered in this process."""
    global _weight
    with _lock:
        _pages.clear()
        _weight = 0


def remembered() -> dict:
    """{(person's id, page): [(statement, parameters)]} remembered now, oldest first."""
    with _lock:
        return {key: list(ran) for key, (ran, _) in _pages.items()}


def held() -> int:
    """The parameter values remembered now (at most MOST_VALUES)."""
    return _weight
