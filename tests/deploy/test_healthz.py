"""/healthz remembers the broker's state for a few seconds: a burst of requests with the
broker down costs one probe, each answered 503 at once, and nothing secret is logged."""

import logging
import socket

import pytest

from metricsdash import health

pytestmark = pytest.mark.django_db

PASSWORD = "hunter2-broker-password"


@pytest.fixture(autouse=True)
def nothing_known():
    health.broker_state.forget()
    yield
    health.broker_state.forget()


def closed_port() -> int:
    """A port nothing listens on (taken from the system, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def probes(caplog) -> int:
    return sum("broker unreachable" in r.getMessage() for r in caplog.records)


def test_a_down_broker_is_probed_once_for_a_burst(client, settings, caplog):
    settings.CELERY_BROKER_URL = f"redis://:{PASSWORD}@127.0.0.1:{closed_port()}/0"
    with caplog.at_level(logging.WARNING, logger="metricsdash.health"):
        answers = [client.get("/healthz") for _ in range(20)]
        assert {a.status_code for a in answers} == {503}
        assert answers[-1].json() == {"status": "error", "database": "ok", "broker": "error"}
        print(f"\n/healthz with the broker down: 20 requests, {probes(caplog)} probe(s)")
        assert probes(caplog) == 1

        health.broker_state.forget()  # as when BROKER_STATE_SECONDS have passed
        assert client.get("/healthz").status_code == 503
        assert probes(caplog) == 2
    assert "Connection refused" in caplog.text
    assert PASSWORD not in caplog.text


def test_each_broker_url_has_its_own_state(client, settings):
    assert client.get("/healthz").status_code == 200
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    assert client.get("/healthz").status_code == 503
