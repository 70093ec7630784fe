"""The poll queues its alerts check only after its writes commit, and a broker that is down
fails no poll: `manage.py poll`, another process, with nothing listening at the broker's
address."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from tests.conftest import ROOT, database_url, free_port
from tweets.models import PollRun

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_poll_stands_when_its_check_cannot_be_queued(link, x_api):
    account = link("sandbox_newcomer")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0",
        # The cache (rate-limit budgets) stays on the test's Redis: only the broker is gone.
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "SECRET_KEY": settings.SECRET_KEY,
        "X_API_URL": x_api.url,
        "X_WEB_URL": x_api.url,
        "X_CONSUMER_KEY": x_api.config.consumer_key,
        "X_CONSUMER_SECRET": x_api.config.consumer_secret,
        "X_CLIENT_ID": x_api.config.client_id,
        "X_CLIENT_SECRET": x_api.config.client_secret,
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "poll", "--account", account.username],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    print(done.stdout.strip())
    assert done.returncode == 0, done.stderr[-2000:]
    run = PollRun.objects.get(account=account, kind=PollRun.Kind.POLL)
    assert run.outcome == PollRun.Outcome.OK
    assert f"Alerts check of poll run {run.pk} not queued" in done.stderr
