"""Health incidents against the sandbox: a revoked token, polls failing for an hour, X's
rate limit holding an account back; one alert when each starts and one when it recovers,
however often the checks run (replayed tasks, two beats)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from accounts.models import AccountAccess, XAccount
from accounts.oauth import save_link
from alerts import tasks
from alerts.models import Alert, Incident
from notifications.models import Delivery
from tests.sandbox.flows import oauth2_link
from tweets.models import PollRun

pytestmark = pytest.mark.django_db


def alerts_of(account) -> list[tuple[str, str]]:
    return sorted(
        Alert.objects.filter(account=account).values_list("incident__kind", "event"),
    )


def beats(times=2) -> None:
    """The beat's health check, as two beats (or one replayed) would run it."""
    for _ in range(times):
        tasks.check_health()


def test_a_revoked_token_alerts_once_and_once_more_after_relinking(walk, clock, alice):
    walker = walk()
    account = walker.account
    clock.control.control("POST", "revoke", {"user_id": account.x_user_id})
    run = walker.poll(clock.now() + timedelta(minutes=5))
    assert run.outcome == PollRun.Outcome.UNAUTHORIZED
    account.refresh_from_db()
    assert account.state == XAccount.State.NEEDS_REAUTH

    incident = Incident.objects.get(account=account)
    assert (incident.kind, incident.started_at, incident.recovered_at) == (
        Incident.Kind.REAUTH,
        run.started_at,
        None,
    )
    raised = Alert.objects.get(incident=incident)
    assert raised.title == "@sandbox_demo: needs re-authorisation"
    delivery = Delivery.objects.get(key=raised.key)
    assert (delivery.destination.user, delivery.message["kind"]) == (alice, "reauth")
    assert delivery.message["severity"] == "warning"
    # Replayed: the poll's check, the beat (twice), and an hour of beats later.
    assert tasks.check_poll(run.pk) == 0
    beats()
    clock.advance(3600)
    beats()
    assert alerts_of(account) == [("reauth", "raised")]

    # The owner links the account again (the link flow's own function), and it polls.
    token = oauth2_link(clock.control, "sandbox_demo")
    me = {"id": account.x_user_id, "username": account.username, "name": account.name}
    tokens = {"access_token": token["access_token"], "refresh_token": token["refresh_token"]}
    save_link(alice, me, auth_kind="oauth2", tokens=tokens)
    beats()  # re-linked: active again, before its first poll
    assert walker.poll(clock.now() + timedelta(minutes=1)).outcome == PollRun.Outcome.OK
    beats()
    incident.refresh_from_db()
    assert incident.recovered_at is not None and not incident.closed_quietly
    assert alerts_of(account) == [("reauth", "raised"), ("reauth", "recovered")]
    recovered = Alert.objects.get(incident=incident, event=Alert.Event.RECOVERED)
    assert Delivery.objects.get(key=recovered.key).message["kind"] == "recovered"
    assert Delivery.objects.filter(destination__user=alice).count() == 2
    print("revoked, replayed, beaten twice, re-linked:", alerts_of(account))


def test_polls_failing_for_an_hour_alert_once_then_recover(walk, clock):
    walker = walk()
    account = walker.account
    clock.control.fault(kind="server_error", status=503, endpoint="users_tweets")
    start = clock.now()
    failed = [walker.poll(start + timedelta(minutes=5 * n)) for n in range(1, 12)]
    assert {run.outcome for run in failed} == {PollRun.Outcome.FAILED}
    beats()
    assert not Incident.objects.exists()  # 55 minutes since the last ok poll: not yet

    walker.poll(start + timedelta(minutes=60))
    beats()
    incident = Incident.objects.get(account=account)
    assert (incident.kind, incident.started_at) == (Incident.Kind.FAILING, failed[0].started_at)
    assert alerts_of(account) == [("failing", "raised")]

    clock.control.control("DELETE", "faults")
    assert walker.poll(start + timedelta(minutes=65)).outcome == PollRun.Outcome.OK
    beats()
    assert alerts_of(account) == [("failing", "raised"), ("failing", "recovered")]
    print("an hour of 503s, then ok:", alerts_of(account))


def test_a_rate_limit_holding_an_account_back_over_two_slots_alerts_once(walk, clock):
    walker = walk()
    account = walker.account
    clock.control.fault(kind="rate_limit", reset_in=900, endpoint="users_tweets", times=1)
    limited = walker.poll(clock.now() + timedelta(minutes=5))
    assert limited.outcome == PollRun.Outcome.RATE_LIMITED
    clock.advance(9 * 60)
    beats()
    assert not Incident.objects.exists()  # nine minutes: less than two 5-minute slots
    clock.advance(2 * 60)
    beats()
    assert alerts_of(account) == [("rate_limited", "raised")]

    account.refresh_from_db()
    assert walker.poll(account.next_poll_at).outcome == PollRun.Outcome.OK
    beats()
    assert alerts_of(account) == [("rate_limited", "raised"), ("rate_limited", "recovered")]


def test_an_incident_of_an_account_paused_meanwhile_closes_without_a_recovery(walk, clock):
    walker = walk()
    account = walker.account
    clock.control.control("POST", "revoke", {"user_id": account.x_user_id})
    walker.poll(clock.now() + timedelta(minutes=5))
    account.refresh_from_db()
    account.unlink(keep_history=True)
    beats()
    incident = Incident.objects.get(account=account)
    assert incident.recovered_at is not None and incident.closed_quietly
    assert alerts_of(account) == [("reauth", "raised")]


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_the_same_moment_raise_one_alert(alice):
    account = XAccount.objects.create(
        owner=alice, x_user_id="42", username="alice_bakes", auth_kind="oauth2"
    )
    account.require_reauth("Asked by an administrator.")
    start = threading.Barrier(2)
    raised = []

    def beat():
        start.wait()
        try:
            raised.append(tasks.check_health())
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(raised) == [0, 1]
    assert alerts_of(account) == [("reauth", "raised")]
    assert Incident.objects.filter(account=account).count() == 1
    assert Delivery.objects.filter(destination__user=alice).count() == 1


def test_the_owner_and_managers_hear_of_it_viewers_do_not(alice, bob, charlie):
    account = XAccount.objects.create(
        owner=alice, x_user_id="42", username="alice_bakes", auth_kind="oauth2"
    )
    AccountAccess.objects.create(account=account, user=charlie, role="viewer")
    AccountAccess.objects.create(account=account, user=bob, role="manager")
    account.require_reauth("Asked by an administrator.")
    beats()
    [alert] = Alert.objects.filter(account=account)
    assert alert.recipients == "alice, bob"
    told = Delivery.objects.filter(key=alert.key).values_list("destination__user", flat=True)
    assert sorted(told) == [alice.pk, bob.pk]
