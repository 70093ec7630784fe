"""python manage.py seed_demo: the embedded demo's login and linked account, with history.

Creates the demo login, links @sandbox_demo through the product's own OAuth 1.0a views
against the sandbox (run here, in-process, on the demo's sandbox state), then backfills
history: it polls the account at past instants with the sandbox clock moved to match, so
the first visit shows full charts. Running it again reuses what is there.
"""

import logging
import secrets
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import XAccount
from sandbox.config import SandboxConfig
from sandbox.consent import answer_consent
from sandbox.server import RunningSandbox
from tweets import polling
from tweets.models import TweetSample

DEMO_USERNAME = "demo"
DEMO_X_ACCOUNT = "sandbox_demo"
SITE_HOST = "127.0.0.1:8000"  # a registered sandbox callback host


class Command(BaseCommand):
    help = "Create the demo login and a linked sandbox account with days of history."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=15, help="days of history to backfill")
        parser.add_argument("--step-minutes", type=int, default=60, help="backfill poll spacing")

    def handle(self, *args, days, step_minutes, **options):
        if not settings.X_SANDBOX:
            raise CommandError("seed_demo runs only against the sandbox (no X credentials set).")
        password = self.demo_login()
        account = XAccount.objects.filter(username=DEMO_X_ACCOUNT).first()
        if account and TweetSample.objects.filter(tweet__account=account).exists():
            self.stdout.write(f"==> demo data already there (@{account.username}); reusing it")
        else:
            # The in-process sandbox's request lines would drown the progress lines.
            logging.getLogger("sandbox").setLevel(logging.WARNING)
            sandbox = RunningSandbox(SandboxConfig.from_settings())
            try:
                with override_settings(X_API_URL=sandbox.url, X_WEB_URL=sandbox.url):
                    account = self.link(sandbox)
                    self.backfill(sandbox, account, days, timedelta(minutes=step_minutes))
            finally:
                sandbox.sandbox.store.set_clock()  # back to real time for the demo's sandbox
                sandbox.stop()
        self.stdout.write(
            self.style.SUCCESS(f"Demo login: {DEMO_USERNAME} / {password}  at  http://{SITE_HOST}/")
        )

    def demo_login(self) -> str:
        """The demo user's password, kept under var/ so every run can print it."""
        path = settings.VAR_DIR / "demo-login.txt"
        user_model = get_user_model()
        if path.exists() and user_model.objects.filter(username=DEMO_USERNAME).exists():
            return path.read_text().strip()
        password = secrets.token_urlsafe(9)
        user, _ = user_model.objects.get_or_create(username=DEMO_USERNAME)
        user.set_password(password)
        user.save()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(password + "\n")
        path.chmod(0o600)
        return password

    def link(self, sandbox: RunningSandbox) -> XAccount:
        """Link @sandbox_demo through the product's OAuth 1.0a views, as a browser would."""
        self.stdout.write(f"==> linking @{DEMO_X_ACCOUNT} through OAuth 1.0a (sandbox)")
        browser = Client(HTTP_HOST=SITE_HOST)
        browser.force_login(get_user_model().objects.get(username=DEMO_USERNAME))
        start = browser.post(reverse("accounts:link_oauth1"))
        if start.status_code != 302:
            raise CommandError(f"Linking did not start (HTTP {start.status_code}).")
        x_user = sandbox.sandbox.world.user_by_username(DEMO_X_ACCOUNT)
        callback = urlsplit(answer_consent(start["Location"], x_user.id))
        done = browser.get(f"{callback.path}?{callback.query}")
        account = XAccount.objects.filter(x_user_id=x_user.id).first()
        if done.status_code != 302 or account is None:
            raise CommandError(f"Linking failed (HTTP {done.status_code}).")
        return account

    def backfill(self, sandbox: RunningSandbox, account: XAccount, days: int, step) -> None:
        """Poll at past instants, the sandbox clock moved to each, up to now."""
        now = timezone.now()
        moment = now - timedelta(days=days)
        total = int((now - moment) / step) + 1
        self.stdout.write(f"==> backfilling {days} days of history ({total} polls)")
        started = time.monotonic()
        done = 0
        while moment <= now:
            sandbox.sandbox.store.set_clock(frozen_at=moment.timestamp())
            runs = polling.poll_account(account, now=moment)
            failed = [r for r in runs if r.outcome != "ok"]
            if failed:
                raise CommandError(
                    f"Backfill poll at {moment:%Y-%m-%d %H:%M} failed: {failed[0].error}"
                )
            done += 1
            if done % 24 == 0 or moment + step > now:
                self.stdout.write(f"    {done}/{total} polls, up to {moment:%Y-%m-%d %H:%M} UTC")
            moment += step
        account.refresh_from_db()
        XAccount.objects.filter(pk=account.pk).update(next_poll_at=timezone.now())
        self.stdout.write(f"    done in {time.monotonic() - started:.0f} s")
