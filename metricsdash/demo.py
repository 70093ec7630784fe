"""The demo's seeding (`python manage.py seed_demo`): a login, @sandbox_demo linked through
the product's own OAuth 1.0a views, and the account's whole history polled at past
instants, the sandbox clock moved to each.

The backfill starts when the account's first Tweet is posted and polls at every Tweet's
posting instant, so every curve starts at zero at posting. Between postings it polls at
least every two hours, reading each Tweet when it is due by age, as the product's
schedule would but at coarser steps, so sixty days of history take about a minute.
"""

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import XAccount
from sandbox.consent import answer_consent
from sandbox.server import RunningSandbox
from tweets import polling
from tweets.schedule import Schedule

DEMO_USERNAME = "demo"
DEMO_X_ACCOUNT = "sandbox_demo"
SITE_HOST = "127.0.0.1:8000"  # a registered sandbox callback host

# Polls between postings are at most GRID apart. The backfill's schedule (young Tweets
# often, older ones rarely) keeps the product's shape at coarser steps (the product's are
# 5 minutes to 6 hours).
GRID = timedelta(hours=2)
BACKFILL_BANDS = (
    (timedelta(hours=12), timedelta(minutes=15)),  # at every poll
    (timedelta(days=2), timedelta(hours=3)),
    (timedelta(days=7), timedelta(hours=12)),
    (timedelta(days=30), timedelta(days=2)),
)
BACKFILL_PUBLIC_INTERVAL = timedelta(days=3)


def demo_login(var_dir: Path) -> str:
    """The demo user's password, kept under var/ so every run can print it."""
    path = var_dir / "demo-login.txt"
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


def link(sandbox: RunningSandbox, host: str = SITE_HOST) -> XAccount:
    """Link @sandbox_demo to the demo user through the product's OAuth 1.0a views, as a
    browser on `host` would (its callback must be registered with the sandbox)."""
    browser = Client(HTTP_HOST=host)
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


def backfill_schedule() -> Schedule:
    """The product's schedule (its horizon, the 30-day private window) at the backfill's
    coarser steps; the final private snapshot falls within one grid step of day 30."""
    return replace(
        Schedule.from_settings(),
        bands=BACKFILL_BANDS,
        final_window=GRID,
        public_interval=BACKFILL_PUBLIC_INTERVAL,
    )


def backfill_instants(
    sandbox: RunningSandbox, account: XAccount, until: datetime
) -> list[datetime]:
    """When to poll: at every Tweet's posting instant (read from the sandbox's world), and
    at least every GRID between them, up to `until`, which is polled last."""
    world = sandbox.sandbox.world
    posted = sorted(tweet.created_at for tweet in world.timeline(account.x_user_id, until))
    instants = []
    for moment, following in zip(posted, [*posted[1:], until], strict=True):
        while moment < following:
            instants.append(moment)
            moment += GRID
    instants.append(until)
    return instants


def backfill(
    sandbox: RunningSandbox,
    account: XAccount,
    until: datetime,
    progress: Callable[[int, int, datetime], None] = lambda done, total, moment: None,
) -> int:
    """Poll the account at each of its backfill instants, the sandbox clock moved to match;
    returns how many polls were made. The sandbox clock is left at `until`."""
    schedule = backfill_schedule()
    instants = backfill_instants(sandbox, account, until)
    for done, moment in enumerate(instants, start=1):
        sandbox.sandbox.store.set_clock(frozen_at=moment.timestamp())
        failed = [
            run
            for run in polling.poll_account(account, schedule=schedule, now=moment)
            if run.outcome != "ok"
        ]
        if failed:
            raise CommandError(
                f"Backfill poll at {moment:%Y-%m-%d %H:%M} failed: {failed[0].error}"
            )
        progress(done, len(instants), moment)
    # The worker takes over at once, on the product's own schedule.
    XAccount.objects.filter(pk=account.pk).update(next_poll_at=timezone.now())
    return len(instants)
