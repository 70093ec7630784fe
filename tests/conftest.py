"""Fixtures shared by every test: a live X API sandbox on a free port."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import requests
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from accounts.models import XAccount
from metricsdash.celery import app
from sandbox.config import SandboxConfig
from sandbox.server import RunningSandbox
from tests.sandbox.flows import oauth1_link, oauth2_link
from tests.template_db import django_db_setup  # noqa: F401 - each process copies a template
from xapi.client import CacheRateBudget

# A fixed world: tests never depend on the wall clock.
SEED = 20261126
EPOCH = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
CALLBACK = "http://testserver/accounts/link/oauth1/callback/"
CALLBACK2 = "http://testserver/accounts/link/oauth2/callback/"


def sandbox_config(tmp_path, **overrides) -> SandboxConfig:
    values = {
        "consumer_key": "TestConsumerKey0000000001",
        "consumer_secret": "TestConsumerSecret-0000000000000000000000000000001",
        "client_id": "VGVzdENsaWVudElkOjE6Y2k",
        "client_secret": "TestClientSecret-00000000000000000000000000000001",
        "callbacks": [CALLBACK, CALLBACK2],
        "seed": SEED,
        "state_path": str(tmp_path / "sandbox.sqlite3"),
        "epoch": EPOCH.isoformat(),
    }
    values.update(overrides)
    return SandboxConfig(**values)


class SandboxControl:
    """A running sandbox plus helpers for its /__sandbox__/ control endpoints."""

    def __init__(self, running: RunningSandbox):
        self.running = running
        self.url = running.url
        self.sandbox = running.sandbox
        self.config = running.sandbox.config
        self.world = running.sandbox.world
        self.http = requests.Session()

    def control(self, method: str, path: str, json=None) -> dict:
        response = self.http.request(
            method, f"{self.url}/__sandbox__/{path}", json=json, timeout=10
        )
        response.raise_for_status()
        return response.json()

    def set_clock(self, moment: datetime) -> None:
        self.control("POST", "clock", {"now": moment.isoformat()})

    def advance(self, seconds: float) -> None:
        self.control("POST", "clock", {"advance_seconds": seconds})

    def now(self) -> datetime:
        return self.sandbox.now()

    def fault(self, **rule) -> None:
        self.control("POST", "faults", rule)

    def requests_made(self, endpoint: str | None = None) -> int:
        counts = self.control("GET", "requests")["counts"]
        return sum(c["count"] for c in counts if endpoint in (None, c["endpoint"]))

    def reset(self) -> None:
        self.control("POST", "reset")
        self.control("DELETE", "requests")

    def user(self, username: str):
        return self.world.user_by_username(username)


@pytest.fixture(scope="session")
def _sandbox_server(tmp_path_factory):
    running = RunningSandbox(sandbox_config(tmp_path_factory.mktemp("sandbox")))
    yield running
    running.stop()


@pytest.fixture
def sandbox(_sandbox_server) -> SandboxControl:
    """The session's sandbox, reset, its clock frozen two days after the world's epoch."""
    control = SandboxControl(_sandbox_server)
    control.reset()
    control.set_clock(EPOCH.replace(day=3))
    return control


# --- The product against a live sandbox ---------------------------------------------------


@pytest.fixture(scope="session")
def _product_sandbox(live_server, tmp_path_factory):
    """A sandbox whose registered callbacks are the live server's, for linking tests."""
    callbacks = [
        f"{live_server.url}/accounts/link/oauth1/callback/",
        f"{live_server.url}/accounts/link/oauth2/callback/",
    ]
    running = RunningSandbox(
        sandbox_config(tmp_path_factory.mktemp("product-sandbox"), callbacks=callbacks)
    )
    yield running
    running.stop()


class Clock:
    """The product's clock (time-machine) and the sandbox's, moved together."""

    def __init__(self, control: SandboxControl, start: datetime):
        self.control = control
        self._traveller = time_machine.travel(start, tick=False)
        self._shift = self._traveller.start()
        control.set_clock(start)

    def now(self) -> datetime:
        return datetime.now(UTC)

    def move_to(self, moment: datetime) -> None:
        self._shift.move_to(moment)
        self.control.set_clock(moment)

    def advance(self, seconds: float) -> None:
        self.move_to(self.now() + timedelta(seconds=seconds))

    def stop(self) -> None:
        self._traveller.stop()


def forget_rate_budgets() -> None:
    """The sandbox's windows start afresh, so the product's memory of them must too: a
    budget left in Redis by an earlier run would hold back an account of the same id."""
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        return
    client = cache._cache.get_client()
    keys = list(client.scan_iter(match=f"*:{CacheRateBudget().prefix}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def x_api(_product_sandbox, settings):
    """The product pointed at a live, reset sandbox (its credentials, its URLs)."""
    control = SandboxControl(_product_sandbox)
    control.reset()
    forget_rate_budgets()
    config = control.config
    settings.X_SANDBOX = True
    settings.X_API_URL = control.url
    settings.X_WEB_URL = control.url
    settings.X_CONSUMER_KEY = config.consumer_key
    settings.X_CONSUMER_SECRET = config.consumer_secret
    settings.X_CLIENT_ID = config.client_id
    settings.X_CLIENT_SECRET = config.client_secret
    return control


@pytest.fixture
def clock(x_api):
    """Product and sandbox frozen at the same instant, two days after the world's epoch."""
    frozen = Clock(x_api, EPOCH + timedelta(days=2))
    yield frozen
    frozen.stop()
    x_api.control("POST", "clock", {"real": True})


@pytest.fixture(scope="session")
def browser_process():
    """Chromium, launched once per pytest process and parked between the tests that ask
    for it (tests/browser/conftest.py's BrowserProcess); tests ask for `chromium`."""
    from tests.browser.conftest import BrowserProcess

    process = BrowserProcess()
    yield process
    process.stop()


# --- The personas: alice owns accounts, bob links his own, charlie sees nobody's ---------

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The default hasher costs ~0.3 s per user; the tests are about flows, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def alice(django_user_model):
    return django_user_model.objects.create_user("alice", "alice@example.com", PASSWORD)


@pytest.fixture
def bob(django_user_model):
    return django_user_model.objects.create_user("bob", "bob@example.com", PASSWORD)


@pytest.fixture
def charlie(django_user_model):
    return django_user_model.objects.create_user("charlie", "charlie@example.com", PASSWORD)


# --- Linked accounts: real tokens from the sandbox, stored as the product would ----------


@pytest.fixture
def link(x_api, alice, settings):
    """link(username, kind) -> an XAccount holding tokens the sandbox really issued."""
    settings.X_RETRY_BACKOFF = 0.01  # the real backoff, shortened so retries stay fast

    def _link(username="sandbox_demo", kind="oauth2", owner=None) -> XAccount:
        user = x_api.user(username)
        account = XAccount(
            owner=owner or alice,
            x_user_id=user.id,
            username=user.username,
            name=user.name,
            sandbox=True,
            auth_kind=kind,
            next_poll_at=timezone.now(),
        )
        if kind == "oauth2":
            token = oauth2_link(x_api, username)
            account.set_tokens(
                {"access_token": token["access_token"], "refresh_token": token["refresh_token"]}
            )
            account.token_expires_at = timezone.now() + timedelta(seconds=token["expires_in"])
            account.scopes = " ".join(token["scope"])
        else:
            token = oauth1_link(x_api, username)
            account.set_tokens(
                {
                    "oauth_token": token["oauth_token"],
                    "oauth_token_secret": token["oauth_token_secret"],
                }
            )
        account.save()
        return account

    return _link


# --- A real Celery worker with beat, as a separate process -------------------------------

ROOT = Path(__file__).resolve().parents[1]


def wait_for(condition, timeout=60.0, what="condition"):
    """Poll the database for a condition (the worker is another process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryProcess:
    """One Celery process started for a test, in a process group of its own (a worker's
    pool children and embedded beat go with it), its output in `log`."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        self.broker_url = env.get("CELERY_BROKER_URL", "")
        self._out = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "metricsdash", *args],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pid = self.popen.pid

    def kill(self) -> None:
        """SIGKILL the whole group, as a crash or the OOM killer would: no goodbye."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=20)

    def stop(self, warm: bool = True) -> None:
        """A warm shutdown (SIGTERM), then SIGKILL for whatever is left of the group; with
        warm=False, SIGKILL at once (a warm shutdown waits seconds for the pool and beat)."""
        if warm and self.popen.poll() is None:
            self.popen.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=20)
        self.kill()
        self._out.close()

    def forget_unacknowledged(self) -> None:
        """Drop the messages a killed worker held (acks late, ETAs): a warm shutdown would
        have put them back on the queue, which the tests purge; left in Redis, they would
        come back an hour later into whatever test runs then."""
        if self.broker_url.startswith("redis"):
            with contextlib.suppress(redis.RedisError):
                client = redis.Redis.from_url(self.broker_url, socket_connect_timeout=1)
                client.delete("unacked", "unacked_index", "unacked_mutex")

    def output(self) -> str:
        self._out.flush()
        return self.log.read_text()


@pytest.fixture
def celery_processes(tmp_path):
    """start(...) -> a CeleryProcess: a worker (with or without beat) or a lone beat, on
    any broker and database (default: the test's), with extra environment. Every one is
    stopped when the test ends."""
    started: list[CeleryProcess] = []

    def start(
        *,
        name: str = "worker",
        worker: bool = True,
        beat: bool = True,
        broker_url: str | None = None,
        database: str | None = None,
        x_api: "SandboxControl | None" = None,
        env: dict | None = None,
        args: tuple[str, ...] = (),
    ) -> CeleryProcess:
        values = {
            **os.environ,
            "DATABASE_URL": database or database_url(),
            "CELERY_BROKER_URL": broker_url or settings.CELERY_BROKER_URL,
            "SECRET_KEY": settings.SECRET_KEY,
            "POLL_TICK_SECONDS": "1",
            "DEBUG": "true",
        }
        if broker_url:
            # The cache (heartbeats, rate-limit budgets) follows the broker, as in production.
            values["REDIS_URL"] = broker_url if broker_url.startswith("redis") else ""
        if x_api is not None:
            values.update(
                X_API_URL=x_api.url,
                X_WEB_URL=x_api.url,
                X_CONSUMER_KEY=x_api.config.consumer_key,
                X_CONSUMER_SECRET=x_api.config.consumer_secret,
                X_CLIENT_ID=x_api.config.client_id,
                X_CLIENT_SECRET=x_api.config.client_secret,
            )
        values.update(env or {})
        schedule = ["-s", str(tmp_path / f"{name}-beat-schedule")]
        if worker:
            command = ["worker", "--concurrency=1", "--loglevel=INFO", "-n", f"{name}@%h"]
            # Not mingling (a second's wait for other workers' replies at every start) nor
            # gossiping (their events): no test is about Celery's own cluster chatter.
            command += ["--without-mingle", "--without-gossip"]
            command += ["--beat", *schedule] if beat else []
        else:
            command = ["beat", "--loglevel=INFO", *schedule]
        process = CeleryProcess([*command, *args], values, tmp_path / f"{name}.log")
        started.append(process)
        return process

    yield start
    # No test is about the shutdown of the processes it started: killed at once.
    for process in started:
        process.stop(warm=False)
    for process in started:
        process.forget_unacknowledged()


@pytest.fixture
def worker(x_api, celery_processes):
    """`celery worker --beat` with the product's settings, pointed at the test database
    and the sandbox; its output in tmp_path / "worker.log"."""
    app.control.purge()
    yield celery_processes(x_api=x_api)
    app.control.purge()


# --- Services of a test's own, to stop and start under the product ----------------------


def free_port() -> int:
    """A port nothing listens on now (the system's choice, released at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A `redis-server` on a port of its own, without persistence: stopped and started
    again, it comes back empty, as a Redis that lost its memory."""

    def __init__(self, directory: Path, password: str | None = None):
        self.port = free_port()
        self.password = password
        self.directory = directory
        self.process = None

    def url(self, db: int = 0) -> str:
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}127.0.0.1:{self.port}/{db}"

    def start(self) -> "RedisServer":
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        args += ["no", "--dir", str(self.directory)]
        if self.password:
            args += ["--requirepass", self.password]
        self.process = subprocess.Popen(
            ["redis-server", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis.from_url(self.url(), socket_connect_timeout=1)
        wait_for(lambda: _answers(client), timeout=10, what="redis-server to answer")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _answers(client) -> bool:
    try:
        return client.ping()
    except redis.RedisError:
        return False


@pytest.fixture
def redis_server(tmp_path):
    """start(password=None) -> a running RedisServer of the test's own, stopped at its end."""
    servers: list[RedisServer] = []

    def start(password: str | None = None) -> RedisServer:
        server = RedisServer(tmp_path, password)
        servers.append(server)
        return server.start()

    yield start
    for server in servers:
        server.stop()
