"""OAuth 2.0 tokens are refreshed before they expire, once, even when workers race."""

import threading
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone

from accounts import tokens
from accounts.models import XAccount
from tests.sandbox.flows import bearer
from tweets import polling
from tweets.models import PollRun


def refresh_grants(x_api) -> int:
    counts = x_api.control("GET", "requests")["counts"]
    return sum(c["count"] for c in counts if c["caller"].startswith("refresh_token:"))


@pytest.mark.django_db
def test_a_token_about_to_expire_is_refreshed_before_the_poll(clock, link):
    x_api = clock.control
    account = link("sandbox_demo")
    old = account.get_tokens()
    clock.advance(7200 - 240)  # four minutes left: inside the refresh margin
    run, *_ = polling.poll_account(account)
    assert run.outcome == PollRun.Outcome.OK, run.error
    account.refresh_from_db()
    new = account.get_tokens()
    assert refresh_grants(x_api) == 1
    assert new["access_token"] != old["access_token"]
    assert new["refresh_token"] != old["refresh_token"]
    assert account.token_expires_at == timezone.now() + timedelta(seconds=7200)


@pytest.mark.django_db
def test_a_fresh_token_is_not_refreshed(clock, link):
    account = link("sandbox_demo")
    clock.advance(3600)
    polling.poll_account(account)
    assert refresh_grants(clock.control) == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_refresh_once_and_both_get_a_working_token(x_api, link):
    account = link("sandbox_demo")
    XAccount.objects.filter(pk=account.pk).update(
        token_expires_at=timezone.now() + timedelta(seconds=30)
    )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            mine = XAccount.objects.get(pk=account.pk)  # each thread its own row and connection
            barrier.wait(timeout=10)
            results.append(tokens.fresh_tokens(mine)["access_token"])
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert refresh_grants(x_api) == 1
    assert len(set(results)) == 1
    stored = XAccount.objects.get(pk=account.pk).get_tokens()["access_token"]
    assert results[0] == stored
    me = requests.get(f"{x_api.url}/2/users/me", headers=bearer(stored), timeout=10)
    assert me.status_code == 200


@pytest.mark.django_db
def test_a_refused_refresh_means_reauthorisation(clock, link):
    x_api = clock.control
    account = link("sandbox_demo")
    x_api.control("POST", "revoke", {"user_id": account.x_user_id})
    clock.advance(7200)
    (run,) = polling.poll_account(account)
    assert run.outcome == PollRun.Outcome.UNAUTHORIZED
    account.refresh_from_db()
    assert account.state == XAccount.State.NEEDS_REAUTH
