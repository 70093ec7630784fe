"""X-Forwarded-Proto counts only from the proxy: gunicorn started with the compose file's
own web command (its --forwarded-allow-ips naming the proxy alone), the proxy played by a
second loopback address. A request from anywhere else that claims https is still plain
http (and redirected to https); the same claim from the proxy's address is believed."""

import http.client
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, wait_for

from .test_production import compose_commands, free_port, production_env

PROXY = "127.0.0.2"  # stands in for caddy's fixed address in docker-compose.yml


def get(port: int, source: str, headers: dict) -> http.client.HTTPResponse:
    """GET /auth/login/ on gunicorn, connecting from the `source` loopback address."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    connection.request("GET", "/auth/login/", headers={"Host": "localhost", **headers})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.django_db
def test_only_the_proxy_may_say_https(tmp_path, static_root):
    command = compose_commands()["web"]
    at = command.index("--forwarded-allow-ips")
    assert "*" not in command[at + 1]  # the compose file trusts one address, not everyone
    command[at + 1] = PROXY
    command[command.index("--workers") + 1] = "1"
    port = free_port()
    env = production_env(tmp_path, PORT=str(port), STATIC_ROOT=str(static_root))
    log = open(tmp_path / "web.log", "w")  # noqa: SIM115 - closed below
    web = subprocess.Popen(
        [str(Path(sys.executable).parent / command[0]), *command[1:]],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:

        def up():
            try:
                return get(port, "127.0.0.1", {}).status > 0
            except OSError:
                return False

        wait_for(up, timeout=30, what="gunicorn")
        https = {"X-Forwarded-Proto": "https"}
        spoofed = get(port, "127.0.0.1", https)
        assert spoofed.status == 301
        assert spoofed.getheader("Location") == "https://localhost/auth/login/"
        from_proxy = get(port, PROXY, https)
        assert from_proxy.status == 200
        assert "max-age=" in from_proxy.getheader("Strict-Transport-Security", "")
        csp = from_proxy.getheader("Content-Security-Policy")
        assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        assert get(port, PROXY, {}).status == 301  # the proxy's own plain http is http
    finally:
        web.terminate()
        web.wait(timeout=20)
        log.close()
    assert "Traceback" not in (tmp_path / "web.log").read_text()
