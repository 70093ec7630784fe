"""python manage.py seed_demo: the embedded demo's login and linked account, with history.

Creates the demo login, links @sandbox_demo through the product's own OAuth 1.0a views
against the sandbox (run here, in-process, on the demo's sandbox state), then backfills
the account's whole history (metricsdash/demo.py), so the first visit shows full charts.
Running it again reuses what is there.
"""

import logging
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings
from django.utils import timezone

from accounts.models import XAccount
from metricsdash import demo
from sandbox.config import SandboxConfig
from sandbox.server import RunningSandbox
from tweets.models import TweetSample


class Command(BaseCommand):
    help = "Create the demo login and a linked sandbox account with its whole history."

    def handle(self, *args, **options):
        if not settings.X_SANDBOX:
            raise CommandError("seed_demo runs only against the sandbox (no X credentials set).")
        password = demo.demo_login(settings.VAR_DIR)
        account = XAccount.objects.filter(username=demo.DEMO_X_ACCOUNT).first()
        if account and TweetSample.objects.filter(tweet__account=account).exists():
            self.stdout.write(f"==> demo data already there (@{account.username}); reusing it")
        else:
            # The in-process sandbox's request lines would drown the progress lines.
            logging.getLogger("sandbox").setLevel(logging.WARNING)
            sandbox = RunningSandbox(SandboxConfig.from_settings())
            try:
                with override_settings(X_API_URL=sandbox.url, X_WEB_URL=sandbox.url):
                    self.stdout.write(
                        f"==> linking @{demo.DEMO_X_ACCOUNT} through OAuth 1.0a (sandbox)"
                    )
                    account = demo.link(sandbox)
                    self.backfill(sandbox, account)
            finally:
                sandbox.sandbox.store.set_clock()  # back to real time for the demo's sandbox
                sandbox.stop()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo login: {demo.DEMO_USERNAME} / {password}  at  http://{demo.SITE_HOST}/"
            )
        )

    def backfill(self, sandbox: RunningSandbox, account: XAccount) -> None:
        self.stdout.write("==> backfilling the account's history from its first Tweet")
        started = time.monotonic()

        def progress(done: int, total: int, moment) -> None:
            if done % 200 == 0 or done == total:
                self.stdout.write(f"    {done}/{total} polls, up to {moment:%Y-%m-%d %H:%M} UTC")

        demo.backfill(sandbox, account, timezone.now(), progress)
        self.stdout.write(f"    done in {time.monotonic() - started:.0f} s")
