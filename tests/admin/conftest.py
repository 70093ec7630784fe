"""Fixtures for the admin tests: a staff member, and clean signs of life in the cache."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import Profile
from metricsdash import monitoring
from reports.models import ReportDelivery, ReportSubscription
from tests.browser.conftest import chromium  # noqa: F401 - the shared browser fixture
from tests.conftest import PASSWORD
from tweets import polling


@pytest.fixture
def staff(django_user_model):
    """An administrator of the installation (staff and superuser)."""
    return django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)


def forget_signs_of_life() -> None:
    hostnames = cache.get(monitoring.WORKERS_KEY) or []
    cache.delete_many(
        [monitoring.WORKERS_KEY]
        + [f"{monitoring.PREFIX}:worker:{h}" for h in hostnames]
        + [f"{monitoring.PREFIX}:beat:{name}" for name in monitoring.BEAT_TASKS]
    )


@pytest.fixture(autouse=True)
def no_signs_of_life():
    """Heartbeats and beat ticks live in the shared cache (Redis): start from none."""
    forget_signs_of_life()
    yield
    forget_signs_of_life()


@pytest.fixture
def installation(x_api, link, alice, staff):
    """Two accounts linked with tokens the sandbox issued and polled, one failed poll, a
    report subscription with a sent report, and a worker's heartbeat: something on every
    admin page. Returns (demo, newcomer)."""
    demo = link("sandbox_demo", "oauth2")
    newcomer = link("sandbox_newcomer", "oauth1")
    polling.poll_account(demo)
    polling.poll_account(newcomer)
    x_api.fault(kind="malformed_json", endpoint="users_tweets", times=1)
    polling.poll_account(newcomer)  # fails, with its cause on the PollRun
    Profile.of(alice)
    subscription = ReportSubscription.objects.create(
        user=alice, frequency="weekly", enabled=True, next_send_at=timezone.now()
    )
    subscription.accounts.add(demo)
    ReportDelivery.objects.create(
        subscription=subscription,
        period_start=timezone.now() - timedelta(days=7),
        period_end=timezone.now(),
        status="sent",
        attempts=1,
        sent_at=timezone.now(),
        recipient=alice.email,
    )
    monitoring.record_heartbeat("worker1@test")
    demo.refresh_from_db()
    newcomer.refresh_from_db()
    return demo, newcomer


def secrets_of(*accounts) -> list[str]:
    """Every token of these accounts: the stored ciphertext and each plaintext value."""
    found = []
    for account in accounts:
        account.refresh_from_db()
        found.append(account.tokens_encrypted)
        found += list(account.get_tokens().values())
    assert len(found) == 6 and all(len(secret) >= 20 for secret in found)
    return found
