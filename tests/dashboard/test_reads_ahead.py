"""Reads sent ahead (accounts/ahead.py): a page asked for again sends the statements it ran
last time with the person's read, and uses their rows only for the very statement with the
very parameters it asks for in that request. So nothing it shows is older than the
request, nor read for an account the person can no longer see, and a statement sent ahead
that fails costs the page nothing."""

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import ahead
from accounts.models import AccountAccess, Profile
from tests.reports.conftest import make_account
from tweets.models import HourlyRollup
from tweets.periods import hour_of

pytestmark = pytest.mark.django_db

KPIS = "/dashboard/api/kpis.json?period=7"


@pytest.fixture(autouse=True)
def _nothing_remembered():
    ahead.forget_all()
    yield
    ahead.forget_all()


@pytest.fixture
def shared(alice, bob):
    """Alice's two accounts, the second shared with Bob; each with impressions today."""
    for person in (alice, bob):
        Profile.of(person)  # made at a first visit, as signing up does
    mine = make_account(alice, "sandbox_demo")
    theirs = make_account(alice, "sandbox_newcomer")
    AccountAccess.objects.create(account=theirs, user=bob, role="viewer", granted_by=alice)
    now = hour_of(timezone.now())
    for account, impressions in ((mine, 1000), (theirs, 70)):
        HourlyRollup.objects.create(
            account=account, bucket=now, context="total", impressions=impressions
        )
    return mine, theirs


def _impressions(response) -> int | None:
    assert response.status_code == 200, response.content
    kpis = {kpi["name"]: kpi for kpi in response.json()["kpis"]}
    return kpis["impressions"]["value"]


def _round_trips(client, path) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as done:
        response = client.get(path)
    return len(done.captured_queries), response


def test_a_page_asked_again_waits_for_the_database_once(client, alice, shared):
    client.force_login(alice)
    client.get(KPIS)  # prepares the statements, remembers the page's
    ahead.forget_all()
    first, response = _round_trips(client, KPIS)
    again, same = _round_trips(client, KPIS)
    assert (first, again) == (2, 1)
    assert _impressions(same) == _impressions(response) == 1070
    assert same.content == response.content


def test_what_was_sent_ahead_is_read_in_the_same_request(client, alice, shared):
    """A poll's gains between two requests show in the second: its statements ran in it."""
    client.force_login(alice)
    assert _impressions(client.get(KPIS)) == 1070
    HourlyRollup.objects.filter(account=shared[0]).update(impressions=2000)
    trips, response = _round_trips(client, KPIS)
    assert trips == 1 and _impressions(response) == 2070


def test_an_account_no_longer_shared_is_never_read_from_what_was_sent_ahead(client, bob, shared):
    theirs = shared[1]
    client.force_login(bob)
    assert _impressions(client.get(KPIS)) == 70  # the account shared with him
    one = f"/dashboard/api/kpis.json?period=7&account={theirs.pk}"
    assert _impressions(client.get(one)) == 70
    AccountAccess.objects.filter(account=theirs, user=bob).delete()
    # The statements sent ahead asked for that account: their rows are dropped, and the
    # page reads the accounts he may see now (none), as a first request would.
    trips, response = _round_trips(client, KPIS)
    assert trips == 2 and _impressions(response) is None
    assert client.get(one).status_code == 404
    ahead.forget_all()
    assert client.get(KPIS).content == response.content


# Outside a transaction, as a server runs a page (inside one, a failed statement aborts it:
# the page then fails as it would have without reads sent ahead).
@pytest.mark.django_db(transaction=True)
def test_a_statement_sent_ahead_that_fails_costs_the_page_nothing(client, alice, shared, caplog):
    client.force_login(alice)
    expected = client.get(KPIS).content
    # What the page ran last time, and one more that fails in the database.
    key = (alice.pk, KPIS)
    ahead._remember(key, [*ahead.remembered()[key], ("SELECT 1 / (0 * %s)", [1])])
    with caplog.at_level(logging.WARNING, logger="accounts.backends"):
        response = client.get(KPIS)
    assert response.status_code == 200 and response.content == expected
    assert "A read sent ahead failed" in caplog.text
    # The next request remembers only what the page ran, and sends that ahead.
    assert len(ahead.remembered()[key]) == 1
    trips, response = _round_trips(client, KPIS)
    assert trips == 1 and response.content == expected


def test_what_is_remembered_is_bounded(client, alice, shared, monkeypatch):
    """By pages, and by the parameter values they hold: the least recently asked-for go."""
    client.force_login(alice)
    paths = ["/dashboard/api/kpis.json?period=7", "/dashboard/api/kpis.json?period=30"]
    paths += ["/dashboard/api/engagements.json?period=7", "/dashboard/api/series.json"]
    monkeypatch.setattr(ahead, "MOST_PAGES", 3)
    for path in paths:
        assert client.get(path).status_code == 200
    assert [page for _, page in ahead.remembered()] == paths[1:]
    weights = {page: weight for (_, page), (_, weight) in ahead._pages.items()}
    assert ahead.held() == sum(weights.values())
    # Room for the last two only: the oldest goes when the next page is remembered.
    monkeypatch.setattr(ahead, "MOST_VALUES", weights[paths[2]] + weights[paths[3]])
    assert client.get(paths[3]).status_code == 200
    assert [page for _, page in ahead.remembered()] == paths[2:]
    assert ahead.held() <= ahead.MOST_VALUES
    # A page heavier than the whole budget is not remembered, and runs as a first request.
    monkeypatch.setattr(ahead, "MOST_VALUES", 1)
    client.get(KPIS)
    trips, response = _round_trips(client, KPIS)
    assert trips == 2 and _impressions(response) == 1070
    assert (alice.pk, KPIS) not in ahead.remembered()
    # Nor is a page whose address is longer than LONGEST_PAGE (anyone signed in picks it).
    monkeypatch.setattr(ahead, "MOST_VALUES", 10_000)
    long = f"{KPIS}&{'x' * ahead.LONGEST_PAGE}=1"
    client.get(long)
    assert client.get(long).status_code == 200
    assert [page for _, page in ahead.remembered()] == paths[2:]


def test_a_page_of_someone_else_is_not_sent_ahead_for_another(client, alice, bob, shared):
    """Remembered per person: Bob's first request for a page Alice asked for sends nothing
    ahead (two round trips) and shows only his accounts."""
    client.force_login(alice)
    client.get(KPIS)
    client.force_login(bob)
    trips, response = _round_trips(client, KPIS)
    assert trips == 2 and _impressions(response) == 70


def test_the_period_moves_on_and_nothing_stale_is_shown(client, alice, shared, settings):
    """Yesterday's statements sent ahead today ask for other instants: dropped."""
    client.force_login(alice)
    client.get(KPIS)
    key = (alice.pk, KPIS)
    # The statements as they were a day ago: the same texts, the period a day earlier.
    yesterday = []
    for sql, params in ahead.remembered()[key]:
        if isinstance(params, dict) and "start" in params:
            params = {
                **params,
                **{k: v - timedelta(days=1) for k, v in params.items() if k in ("start", "end")},
            }
        yesterday.append((sql, params))
    ahead._remember(key, yesterday)
    trips, response = _round_trips(client, KPIS)
    assert trips == 2 and _impressions(response) == 1070
