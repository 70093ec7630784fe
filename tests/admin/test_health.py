"""The admin health page shows a stopped worker as stopped within two minutes.

First with heartbeats recorded in this process and time moved by time-machine; then with
a real `celery worker --beat` process, killed as a crash would kill it.
"""

import re
import socket
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings

from metricsdash import monitoring
from metricsdash.celery import app
from tests.conftest import wait_for

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def worker_state(page: str, hostname: str) -> str | None:
    row = rf'data-hostname="{re.escape(hostname)}">\s*<td>[^<]*</td>\s*'
    match = re.search(row + r'<td class="state-[\w-]+">([^<]+)</td>', page)
    return match.group(1) if match else None


def health_page(client) -> str:
    response = client.get("/admin/health/")
    assert response.status_code == 200
    return response.content.decode()


def test_only_staff_see_the_health_page(client, alice):
    assert client.get("/admin/health/").status_code == 302  # to the admin's sign-in
    client.force_login(alice)
    assert client.get("/admin/health/").status_code == 302


def test_a_silent_worker_shows_as_stopped_within_two_minutes(client, staff):
    client.force_login(staff)
    with time_machine.travel(T0, tick=False) as traveller:
        monitoring.record_heartbeat("worker1@host")
        monitoring.record_heartbeat("worker2@host")
        assert worker_state(health_page(client), "worker1@host") == "running"

        traveller.move_to(T0 + timedelta(seconds=60))
        monitoring.record_heartbeat("worker2@host")  # worker2 keeps beating; worker1 died
        page = health_page(client)
        assert worker_state(page, "worker1@host") == "running"  # a minute is not enough

        traveller.move_to(T0 + timedelta(seconds=settings.HEALTH_WORKER_STOPPED_AFTER + 1))
        page = health_page(client)
        print(
            f"\nafter {settings.HEALTH_WORKER_STOPPED_AFTER + 1} s of silence:",
            worker_state(page, "worker1@host"),
            "/",
            worker_state(page, "worker2@host"),
        )
        assert worker_state(page, "worker1@host") == "stopped"
        assert worker_state(page, "worker2@host") == "running"
        assert "2026-11-10 09:00:00 UTC (1\xa0minute ago)" in page


def test_a_worker_that_shuts_down_cleanly_says_so_at_once(client, staff):
    client.force_login(staff)
    with time_machine.travel(T0, tick=False) as traveller:
        monitoring.record_heartbeat("worker1@host")
        traveller.move_to(T0 + timedelta(seconds=5))
        monitoring.record_heartbeat("worker1@host", stopped=True)
        assert worker_state(health_page(client), "worker1@host") == "shut down"
        monitoring.record_heartbeat("worker1@host")  # started again
        assert worker_state(health_page(client), "worker1@host") == "running"


def test_no_worker_at_all_is_a_warning(client, staff):
    client.force_login(staff)
    assert "No worker has given a sign of life" in health_page(client)


@pytest.fixture
def worker_process(celery_processes):
    """`celery worker --beat` with one-second heartbeats and ticks, on a queue of its own
    (so it runs none of the tasks its beat sends; they are removed afterwards)."""
    name = f"health-{uuid.uuid4().hex[:8]}"
    env = {"HEALTH_HEARTBEAT_SECONDS": "1", "REPORT_TICK_SECONDS": "1"}
    process = celery_processes(name=name, env=env, args=("-Q", "health-test"))
    yield process, f"{name}@{socket.gethostname()}"
    app.control.purge()  # what its beat sent to the default queue no worker should run


@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis"), reason="needs the shared Redis"
)
def test_a_real_worker_killed_shows_as_stopped(client, staff, worker_process):
    process, hostname = worker_process
    client.force_login(staff)

    def running():
        return worker_state(health_page(client), hostname) == "running"

    wait_for(running, what="the worker's first heartbeat")
    wait_for(lambda: all(at for _, at in monitoring.beat_ticks()), what="a tick of each beat task")
    page = health_page(client)
    assert "never seen" not in page

    # A crash (the machine went away): no goodbye, the heartbeats just stop.
    process.kill()
    assert worker_state(health_page(client), hostname) == "running"  # for now

    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=2), tick=False):
        state = worker_state(health_page(client), hostname)
    print(f"\nreal worker {hostname}: killed, two minutes later the page says {state!r}")
    assert state == "stopped"
    assert "Traceback" not in process.output()


def test_with_redis_stopped_the_page_says_what_is_down(client, staff, redis_server):
    server = redis_server(password="hunter2-redis-password")
    cache = {"BACKEND": "metricsdash.cache.RedisCache", "LOCATION": server.url()}
    client.force_login(staff)
    with override_settings(
        REDIS_URL=server.url(), CELERY_BROKER_URL=server.url(), CACHES={"default": cache}
    ):
        monitoring.record_heartbeat("worker1@host")
        page = health_page(client)
        assert worker_state(page, "worker1@host") == "running"
        assert 'id="outages"' not in page

        server.stop()
        page = health_page(client)
        outage = (
            "Redis (cache and broker) cannot be reached: "
            f"Connection refused at 127.0.0.1:{server.port}"
        )
        print(f"\nwith Redis stopped the health page says: {outage}")
        assert outage in page
        assert "Unknown: the heartbeats are kept in the cache, which cannot be read." in page
        assert "No worker has given a sign of life" not in page
        assert "hunter2" not in page
        assert "Posts billed (ours)" in page  # what the database holds is still shown

        server.start()  # back, empty: the page recovers on its own
        assert 'id="outages"' not in health_page(client)
