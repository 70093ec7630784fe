"""Tokens are encrypted at rest, never logged, never in the session; plain http only to
the sandbox."""

import os

import pytest
from django.contrib.sessions.models import Session
from django.db import connection

from accounts import oauth
from accounts.models import XAccount


def link_both(browser, x_api) -> list[str]:
    """Link @sandbox_demo with OAuth 1.0a and @sandbox_newcomer with OAuth 2.0; return every
    token value the sandbox issued."""
    browser.link(x_api, "oauth1", "sandbox_demo")
    browser.link(x_api, "oauth2", "sandbox_newcomer")
    secrets = [v for a in XAccount.objects.all() for v in a.get_tokens().values()]
    assert len(secrets) == 4 and all(len(s) >= 20 for s in secrets)
    return secrets


def test_database_holds_no_readable_token(alice_browser, x_api):
    secrets = link_both(alice_browser, x_api)

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_xaccount")
        rows = repr(cursor.fetchall())
        cursor.execute("SELECT tokens_encrypted FROM accounts_xaccount")
        ciphertexts = [row[0] for row in cursor.fetchall()]

    assert len(ciphertexts) == 2 and all(ciphertexts)
    sessions = repr([s.get_decoded() for s in Session.objects.all()])
    for secret in secrets:
        assert secret not in rows
        assert secret not in sessions


def test_no_token_is_logged(alice_browser, x_api, all_logs):
    secrets = link_both(alice_browser, x_api)
    oauth2_account = XAccount.objects.get(auth_kind="oauth2")
    alice_browser.post(f"/accounts/{oauth2_account.pk}/unlink/", {"what": "delete"})

    # The capture works: the product's own records and the HTTP library's are in it.
    assert any("accounts.oauth INFO Linked @sandbox_newcomer" in line for line in all_logs.lines)
    assert any(line.startswith("urllib3") for line in all_logs.lines)
    for n, line in enumerate(all_logs.lines):
        for secret in secrets:
            # The message names the record, not its text: it would print the token.
            assert secret not in line, f"log record {n} ({line.split()[0]}) holds a token"


def test_sandbox_on_loopback_works_without_the_insecure_transport_switch(
    alice_browser, x_api, monkeypatch
):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)

    page = alice_browser.link(x_api, "oauth2")

    assert "Linked @sandbox_demo" in page.text
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ  # never set by the product


@pytest.mark.django_db
def test_plain_http_to_real_x_is_refused(client, alice, settings, monkeypatch):
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT", raising=False)
    settings.X_SANDBOX = False
    settings.X_WEB_URL = "http://x.com"
    client.force_login(alice)

    page = client.post("/accounts/link/oauth2/", follow=True).content.decode()

    assert "Linking failed: X&#x27;s address is not https, and it is not the sandbox." in page
    assert oauth.OAUTH2_SESSION_KEY not in client.session
    assert "OAUTHLIB_INSECURE_TRANSPORT" not in os.environ
