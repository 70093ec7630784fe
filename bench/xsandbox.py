"""The product polling a sandbox of its own, on a simulated clock (bench/requests.py and
bench/billing.py): the sandbox serving in a thread, the product's settings pointed at it,
accounts linked with tokens the sandbox really issued, and one instant for both sides
(time-machine for the product, the sandbox's frozen clock), moved together."""

import secrets
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import requests
import time_machine
from django.test.utils import override_settings

# A fixed world and a fixed start, so every run polls the same Tweets.
EPOCH = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
OWNER = "bench-requests"


def issued_account(control, user, owner, now: datetime):
    """An unsaved XAccount for a sandbox user, due at `now`, holding an OAuth 1.0a token
    registered with the sandbox through its control path (`control(method, path, json)`),
    stored encrypted as the link flow would."""
    from accounts.models import XAccount

    token, secret = f"{user.id}-{secrets.token_urlsafe(24)}", secrets.token_urlsafe(32)
    control("POST", "oauth1/tokens", {"token": token, "secret": secret, "user_id": user.id})
    account = XAccount(
        owner=owner,
        x_user_id=user.id,
        username=user.username,
        name=user.name,
        sandbox=True,
        auth_kind=XAccount.AuthKind.OAUTH1,
        linked_at=now,
        next_poll_at=now,
    )
    account.set_tokens({"oauth_token": token, "oauth_token_secret": secret})
    return account


class PolledSandbox:
    """`with PolledSandbox(...) as world:` a running sandbox, the product pointed at it,
    its tables emptied of accounts, the clock frozen at `start`."""

    def __init__(self, start: datetime, **config):
        self.start = start
        self.config_overrides = config

    def __enter__(self) -> "PolledSandbox":
        from sandbox.config import SandboxConfig
        from sandbox.server import RunningSandbox

        self.tmp = Path(tempfile.mkdtemp(prefix="bench-xsandbox-"))
        config = SandboxConfig.from_settings(
            state_path=str(self.tmp / "sandbox.sqlite3"),
            epoch=EPOCH.isoformat(),
            **self.config_overrides,
        )
        self.running = RunningSandbox(config)
        self.world = self.running.sandbox.world
        self.http = requests.Session()
        self.settings = override_settings(
            X_SANDBOX=True,
            X_API_URL=self.running.url,
            X_WEB_URL=self.running.url,
            X_CONSUMER_KEY=config.consumer_key,
            X_CONSUMER_SECRET=config.consumer_secret,
            X_CLIENT_ID=config.client_id,
            X_CLIENT_SECRET=config.client_secret,
            X_RETRY_BACKOFF=0.01,
        )
        self.settings.enable()
        self.traveller = time_machine.travel(self.start, tick=False)
        self.shift = self.traveller.start()
        self.control("POST", "clock", {"now": self.start.isoformat()})
        self.empty_the_product()
        self.bearer = self.app_token(config)
        return self

    def __exit__(self, *exc_info) -> None:
        self.traveller.stop()
        self.settings.disable()
        self.running.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def control(self, method: str, path: str, json=None) -> dict:
        response = self.http.request(
            method, f"{self.running.url}/__sandbox__/{path}", json=json, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def app_token(self, config) -> str:
        response = self.http.post(
            f"{self.running.url}/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(config.consumer_key, config.consumer_secret),
            timeout=30,
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def now(self) -> datetime:
        return datetime.now(UTC)

    def move_to(self, moment: datetime) -> None:
        self.shift.move_to(moment)
        self.control("POST", "clock", {"now": moment.isoformat()})

    def empty_the_product(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE accounts_xaccount CASCADE")

    def link(self, username: str):
        """An XAccount for a sandbox user, holding an OAuth 1.0a token the sandbox issued."""
        from django.contrib.auth import get_user_model

        owner, _ = get_user_model().objects.get_or_create(username=OWNER)
        account = issued_account(
            self.control, self.world.user_by_username(username), owner, self.now()
        )
        account.save()
        return account

    def requests_made(self) -> dict[str, int]:
        """The sandbox's request log since the last forget_requests, per endpoint."""
        out: dict[str, int] = {}
        for row in self.control("GET", "requests")["counts"]:
            out[row["endpoint"]] = out.get(row["endpoint"], 0) + row["count"]
        return out

    def forget_requests(self) -> None:
        self.control("DELETE", "requests")

    def x_billed(self, days: int) -> dict:
        """{date: Posts} the sandbox billed, from its GET /2/usage/tweets."""
        response = self.http.get(
            f"{self.running.url}/2/usage/tweets",
            params={"days": days, "usage.fields": "daily_project_usage"},
            headers={"Authorization": f"Bearer {self.bearer}"},
            timeout=30,
        )
        response.raise_for_status()
        usage = response.json()["data"]["daily_project_usage"]["usage"]
        return {datetime.fromisoformat(d["date"][:10]).date(): d["usage"] for d in usage}
