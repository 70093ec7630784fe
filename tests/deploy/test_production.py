"""Production without Docker: the compose file's own commands (gunicorn, a separate worker,
a separate beat) run against Postgres and Redis and complete a poll cycle; `check --deploy`
is clean with production settings; /healthz reports the database and the broker."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import yaml
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

from metricsdash.celery import app
from tests.conftest import ROOT, wait_for
from tweets.models import PollRun, TweetSample

KEY = Fernet.generate_key().decode()


def compose_commands() -> dict[str, list[str]]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return {name: services[name]["command"] for name in ("web", "worker", "beat")}


def production_env(tmp_path, **extra) -> dict:
    db = connection.settings_dict
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "x" * 20 + Fernet.generate_key().decode(),
        "TOKEN_ENCRYPTION_KEYS": KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "https://metrics.example.com",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "STATIC_ROOT": str(tmp_path / "static"),
        "VAR_DIR": str(tmp_path / "var"),
        **extra,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_refuse_to_start_without_secrets(tmp_path):
    env = production_env(tmp_path)
    del env["TOKEN_ENCRYPTION_KEYS"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS must be set" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_gunicorn_worker_and_beat_complete_a_poll_cycle(
    x_api, link, tmp_path, settings, static_root
):
    settings.TOKEN_ENCRYPTION_KEYS = [KEY]  # so the production processes can read the tokens
    port = free_port()
    env = production_env(
        tmp_path,
        PORT=str(port),
        STATIC_ROOT=str(static_root),
        SECURE_SSL_REDIRECT="false",  # no TLS proxy in front of it here
        X_API_URL=x_api.url,
        X_WEB_URL=x_api.url,
        X_CONSUMER_KEY=x_api.config.consumer_key,
        X_CONSUMER_SECRET=x_api.config.consumer_secret,
        X_CLIENT_ID=x_api.config.client_id,
        X_CLIENT_SECRET=x_api.config.client_secret,
        POLL_TICK_SECONDS="1",
    )
    app.control.purge()
    commands = compose_commands()
    # One web worker: each boots Django (seconds of CPU), and one serves these requests.
    commands["web"][commands["web"].index("--workers") + 1] = "1"
    commands["beat"] = [arg.replace("/app/var", str(tmp_path / "var")) for arg in commands["beat"]]
    (tmp_path / "var").mkdir(exist_ok=True)
    bin_dir = Path(sys.executable).parent
    logs, processes = {}, {}
    try:
        for name, command in commands.items():
            logs[name] = open(tmp_path / f"{name}.log", "w")  # noqa: SIM115 - closed below
            processes[name] = subprocess.Popen(
                [str(bin_dir / command[0]), *command[1:]],
                cwd=ROOT,
                env=env,
                stdout=logs[name],
                stderr=subprocess.STDOUT,
            )
        base = f"http://127.0.0.1:{port}"

        def healthy():
            try:
                return requests.get(f"{base}/healthz", timeout=2).json() == {
                    "status": "ok",
                    "database": "ok",
                    "broker": "ok",
                }
            except (requests.RequestException, ValueError):
                return False

        wait_for(healthy, what="gunicorn's /healthz")
        login = requests.get(f"{base}/auth/login/", timeout=5)
        assert login.status_code == 200
        css = requests.get(f"{base}/static/css/app.css", timeout=5)
        assert css.status_code == 200 and "max-age" in css.headers.get("Cache-Control", "")

        account = link("sandbox_demo")  # due now: beat ticks, the worker polls
        wait_for(
            lambda: PollRun.objects.filter(account=account, outcome="ok").exists(),
            what="a poll by the separate worker",
        )
        assert TweetSample.objects.filter(tweet__account=account).exists()
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()
    for name in commands:
        output = (tmp_path / f"{name}.log").read_text()
        assert "Traceback" not in output, f"{name}:\n{output[-3000:]}"
    assert "tweets.tasks.tick" in (tmp_path / "beat.log").read_text()


@pytest.mark.django_db
def test_healthz_reports_the_database_and_the_broker(client, settings):
    answer = client.get("/healthz", HTTP_HOST="unlisted.example.com")  # any Host is answered
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "error", "database": "ok", "broker": "error"}
