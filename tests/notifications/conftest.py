"""Fixtures for the notification tests: a webhook receiver on loopback, the real SMTP
server (tests/reports/conftest.py), and destinations made as the settings page makes them.

`receiver` is a `http.server` in a thread on a free port: it records every request (path,
headers, raw body) and answers each with the next code of `answers` (200 once they run
out). The webhook rules allow loopback here (ALERT_WEBHOOK_ALLOW_PRIVATE), as an operator
would on a trusted network; the URL-rule tests turn it off again.
"""

import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import AF_INET6

import pytest

from notifications.models import Destination

# The real SMTP server on loopback, and Celery run in the test's process.
from tests.reports.conftest import eager, smtp  # noqa: F401


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict
    body: bytes


class Receiver:
    """What the receiver was sent, and what it answers next."""

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None):
        self.requests: list[Received] = []
        self.answers: list[int] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                    code = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(code)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if code < 300 else b"receiver says no")

            def log_message(self, *args):
                pass

        server_class = ThreadingHTTPServer
        if ":" in host:
            server_class = type("IPv6Server", (ThreadingHTTPServer,), {"address_family": AF_INET6})
        self.server = server_class((host, 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        netloc = f"[{host}]" if ":" in host else host
        scheme = "https" if tls else "http"
        self.url = f"{scheme}://{netloc}:{self.port}/hooks/metricsdash"
        # A shutdown is seen within poll_interval (0.5 s by default).
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers(settings):
    """start(host="127.0.0.1", tls=None) -> a running Receiver, stopped at the test's end."""
    settings.ALERT_WEBHOOK_ALLOW_PRIVATE = True
    settings.ALERT_WEBHOOK_ALLOW_HTTP = True
    started: list[Receiver] = []

    def start(host="127.0.0.1", tls=None) -> Receiver:
        running = Receiver(host, tls)
        running.thread.start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def receiver(receivers):
    return receivers()


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://metrics.example.com"


def webhook(user, url, kind="webhook", name="Ops hook") -> tuple[Destination, str | None]:
    """A destination as the settings page adds it; (it, its secret or None)."""
    destination = Destination(user=user, kind=kind, name=name)
    secret = destination.set_url(url)
    destination.save()
    return destination, secret


def email_off(user) -> None:
    """Only the webhooks, for tests about them."""
    Destination.objects.filter(pk=Destination.email_of(user).pk).update(enabled=False)
