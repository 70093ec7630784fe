"""A browser for the accounts tests (the personas are in tests/conftest.py), and the
reports' real SMTP server for the invitation mails.

A `Browser` is a requests.Session against the live server that signs in through the login
form and posts forms with the CSRF token, as a person's browser would.
"""

import logging
import re

import pytest
import requests

from sandbox.consent import answer_consent
from tests.conftest import PASSWORD
from tests.reports.conftest import smtp  # noqa: F401 - the real SMTP server on loopback


class Browser:
    """A person's browser against the live server (and, through answer_consent, X)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.base_url + path

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.url(path), timeout=10, **kwargs)

    def post(self, path: str, data: dict | None = None) -> requests.Response:
        """POST a form with the CSRF token; the redirect is returned, not followed."""
        if "csrftoken" not in self.http.cookies:
            self.get("/auth/login/")
        data = {"csrfmiddlewaretoken": self.http.cookies["csrftoken"], **(data or {})}
        return self.http.post(self.url(path), data=data, timeout=10, allow_redirects=False)

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        page = self.get("/auth/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        answer = self.http.post(
            self.url("/auth/login/"),
            data={"csrfmiddlewaretoken": token, "username": username, "password": password},
            timeout=10,
            allow_redirects=False,
        )
        assert answer.status_code == 302, f"sign-in failed: {answer.status_code}"

    # --- the link flows, step by step -----------------------------------------------

    def start_link(self, kind: str) -> str:
        """POST the Link button; returns X's authorize URL the dashboard redirected to."""
        answer = self.post(f"/accounts/link/{kind}/")
        assert answer.status_code == 302, answer.text
        return answer.headers["Location"]

    def consent(self, authorize_url: str, x_api, username="sandbox_demo", approve=True) -> str:
        """Answer X's approval page; returns the callback URL X redirects to."""
        user_id = x_api.user(username).id if approve else None
        return answer_consent(authorize_url, user_id, approve=approve, session=self.http)

    def link(self, x_api, kind: str, username="sandbox_demo") -> requests.Response:
        """A whole link flow; returns the page the callback finally lands on."""
        return self.get(self.consent(self.start_link(kind), x_api, username))


@pytest.fixture
def browser_for(live_server):
    """browser_for(user) -> a Browser signed in as that user (or anonymous with None)."""

    def make(user=None) -> Browser:
        browser = Browser(live_server.url)
        if user is not None:
            browser.sign_in(user.username)
        return browser

    return make


@pytest.fixture
def alice_browser(browser_for, alice) -> Browser:
    return browser_for(alice)


class LogRecords(logging.Handler):
    """Every log record made anywhere in the process, formatted as it would be written."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def all_logs():
    """Captures at DEBUG on the root logger and on every logger that does not propagate.

    (caplog is unavailable when pytest runs with `-p no:logging`.) Logger levels set by
    settings.LOGGING stay as configured: the point is to test the real configuration.
    """
    handler = LogRecords()
    root = logging.getLogger()
    loggers = [root] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    level = root.level
    root.setLevel(logging.DEBUG)
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)
    root.setLevel(level)
