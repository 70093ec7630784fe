"""The account's lifecycle on the model: each change is one conditional UPDATE that says
whether it happened, and never overrides a state someone else set meanwhile."""

import zlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from accounts.models import XAccount

NOW = datetime(2026, 11, 3, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=3)
LEASE = NOW + timedelta(minutes=10)

pytestmark = pytest.mark.django_db

ACTIVE, PAUSED = XAccount.State.ACTIVE, XAccount.State.PAUSED
NEEDS_REAUTH, REVOKED = XAccount.State.NEEDS_REAUTH, XAccount.State.REVOKED


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def make(alice):
    def _make(username="sandbox_demo", **fields) -> XAccount:
        fields.setdefault("next_poll_at", LATER)
        account = XAccount(
            owner=alice, x_user_id=str(zlib.crc32(username.encode())), username=username, **fields
        )
        account.set_tokens({"access_token": "a" * 40, "refresh_token": "r" * 40})
        account.save()
        return account

    return _make


def stored(account: XAccount) -> XAccount:
    return XAccount.objects.get(pk=account.pk)


def test_pause_only_an_active_account(make):
    account = make()
    assert account.pause(reason="Paused by an administrator.") is True
    assert account.state == PAUSED  # the instance follows the row
    assert (stored(account).state, stored(account).state_reason) == (
        PAUSED,
        "Paused by an administrator.",
    )
    assert account.pause() is False  # already paused
    assert stored(account).state_reason == "Paused by an administrator."
    assert make("reauth", state=NEEDS_REAUTH).pause() is False


def test_a_stale_instance_does_not_override_a_newer_state(make):
    account = make()
    stale = stored(account)
    assert account.require_reauth("X refused the token (401).") is True
    assert stale.pause() is False  # it still believes the account is active
    assert stale.resume() is False
    assert stale.poll_now() is False
    assert stored(account).state == NEEDS_REAUTH


def test_resume_only_a_paused_account_and_make_it_due(make):
    account = make(state=PAUSED, state_reason="Paused by its owner.")
    assert account.resume() is True
    row = stored(account)
    assert (row.state, row.state_reason, row.next_poll_at) == (ACTIVE, "", NOW)
    assert account.resume() is False
    assert make("other").resume() is False


def test_poll_now_only_an_active_account(make):
    account = make()
    assert account.poll_now() is True
    assert stored(account).next_poll_at == NOW
    paused = make("paused", state=PAUSED)
    assert paused.poll_now() is False
    assert stored(paused).next_poll_at == LATER


def test_require_reauth_stops_polling_unless_unlinked(make):
    account = make()
    assert account.require_reauth("Re-link, please.") is True
    row = stored(account)
    assert (row.state, row.state_reason, row.next_poll_at) == (
        NEEDS_REAUTH,
        "Re-link, please.",
        None,
    )
    assert make("paused", state=PAUSED).require_reauth("why") is True
    unlinked = make("gone", state=REVOKED, next_poll_at=None)
    assert unlinked.require_reauth("why") is False
    assert stored(unlinked).state == REVOKED


def test_reschedule_only_while_active(make):
    account = make()
    assert account.reschedule(LEASE) is True
    assert stored(account).next_poll_at == LEASE
    paused = make("paused", state=PAUSED)
    assert paused.reschedule(LEASE) is False
    assert stored(paused).next_poll_at == LATER


def test_record_poll_saves_what_the_poll_advanced(make):
    account = make()
    account.newest_tweet_id, account.has_promoted = 1234, True
    assert account.record_poll(NOW, next_poll_at=LEASE) is True
    row = stored(account)
    assert (row.last_poll_at, row.next_poll_at) == (NOW, LEASE)
    assert (row.newest_tweet_id, row.has_promoted, row.last_public_sweep_at) == (1234, True, None)

    assert account.record_poll(LATER, sweep=True) is True
    row = stored(account)
    assert (row.last_poll_at, row.last_public_sweep_at, row.next_poll_at) == (LATER, LATER, LEASE)

    assert account.pause() is True
    assert account.record_poll(LATER + timedelta(hours=1), next_poll_at=LATER) is False
    assert stored(account).last_poll_at == LATER


def test_unlink_keeping_the_history(make):
    account = make()
    assert account.unlink(keep_history=True) is True
    row = stored(account)
    assert (row.state, row.tokens_encrypted, row.token_expires_at, row.next_poll_at) == (
        REVOKED,
        "",
        None,
        None,
    )
    assert row.state_reason == "Unlinked on 2026-11-03; its history is kept."
    assert account.unlink(keep_history=True) is False  # already unlinked


def test_unlink_deleting_everything(make):
    account = make()
    assert account.unlink(keep_history=False) is True
    assert not XAccount.objects.filter(pk=account.pk).exists()
    assert account.unlink(keep_history=False) is False  # already gone


def test_two_claims_of_the_same_slot_one_wins(make):
    account = make(next_poll_at=NOW)
    assert XAccount.objects.claim(account.pk, NOW, LEASE) is True
    assert XAccount.objects.claim(account.pk, NOW, LEASE + timedelta(minutes=1)) is False
    assert stored(account).next_poll_at == LEASE


def test_claim_due_claims_each_due_active_account_once(make):
    due = make("due", next_poll_at=NOW - timedelta(seconds=5))
    make("later", next_poll_at=LATER)
    make("paused", state=PAUSED, next_poll_at=NOW - timedelta(seconds=5))
    make("reauth", state=NEEDS_REAUTH, next_poll_at=None)

    assert XAccount.objects.claim_due(NOW, LEASE, limit=10) == [due.pk]
    assert XAccount.objects.claim_due(NOW, LEASE, limit=10) == []  # a second beat
    assert stored(due).next_poll_at == LEASE
    assert XAccount.objects.claim_due(LEASE, LEASE + timedelta(minutes=10), limit=10) == [due.pk]
