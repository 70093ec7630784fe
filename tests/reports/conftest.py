"""Fixtures for the report tests: a real SMTP server on loopback, eager Celery, people.

`smtp` is an aiosmtpd server on 127.0.0.1 with Django's SMTP backend pointed at it, so a
test sees exactly the bytes a mail server would receive. Django's backend returns only
after the server answered DATA, so the inbox is filled when `send` returns: no waiting.
"""

import email
import logging
import socket
import zlib
from email import policy

import pytest
from aiosmtpd.controller import Controller

from accounts.models import Profile, XAccount
from metricsdash.celery import app


class Inbox:
    """What the SMTP server accepted; `refuse` answers that many DATA commands with 451."""

    def __init__(self):
        self.envelopes = []
        self.refuse = 0
        self.refused = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            self.refused += 1
            return "451 4.3.0 Temporary failure, try again later"
        self.envelopes.append(envelope)
        return "250 2.0.0 Accepted"

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=policy.default)
            for e in self.envelopes
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    """A real SMTP server on loopback; Django's SMTP backend sends to it."""
    inbox = Inbox()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    yield inbox
    controller.stop()


@pytest.fixture
def eager():
    """Celery tasks run in the test's process when queued, retries included (Celery runs an
    eager retry at once, but only when errors do not propagate: tests check outcomes)."""
    before = {name: app.conf[name] for name in ("task_always_eager", "task_eager_propagates")}
    app.conf.update(task_always_eager=True, task_eager_propagates=False)
    yield
    app.conf.update(before)


@pytest.fixture
def settings_for_reports(settings):
    settings.SITE_URL = "https://metrics.example.com"
    settings.REPORT_RETRY_BACKOFF = 0  # eager retries run at once anyway
    return settings


def set_timezone(user, name: str) -> None:
    profile = Profile.of(user)
    profile.timezone = name
    profile.save()


def make_account(owner, username="sandbox_demo", **fields) -> XAccount:
    """A linked account with made-up tokens, for tests that never call X: no poll is due,
    so a worker's beat leaves it alone (a poll would get a 401 and mail its owner an alert)."""
    account = XAccount(
        owner=owner,
        x_user_id=str(zlib.crc32(username.encode())),
        username=username,
        auth_kind="oauth1",
        **{"next_poll_at": None, **fields},
    )
    account.set_tokens({"oauth_token": f"t-{username}", "oauth_token_secret": f"s-{username}"})
    account.save()
    return account


def confirm_address(user) -> None:
    """Mark the person's current address as confirmed, as following the mailed link does."""
    # By user_id: the user object keeps no cached profile that later edits would outdate.
    Profile.objects.update_or_create(user_id=user.pk, defaults={"confirmed_email": user.email})


@pytest.fixture
def alice(alice):
    """The root conftest's alice, her address confirmed: reports may go to it."""
    confirm_address(alice)
    return alice
