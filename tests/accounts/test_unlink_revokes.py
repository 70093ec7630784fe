"""Unlinking an OAuth 2.0 account revokes its tokens at X; a failed revocation still unlinks."""

import pytest
import requests

from accounts.models import XAccount


def bearer_me(x_api, access_token: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}"}
    return requests.get(f"{x_api.url}/2/users/me", headers=headers, timeout=10).status_code


def refresh(x_api, refresh_token: str) -> int:
    answer = requests.post(
        f"{x_api.url}/2/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(x_api.config.client_id, x_api.config.client_secret),
        timeout=10,
    )
    return answer.status_code


@pytest.mark.parametrize("what", ["keep", "delete"])
def test_unlink_revokes_oauth2_tokens(alice_browser, x_api, what):
    alice_browser.link(x_api, "oauth2")
    account = XAccount.objects.get()
    tokens = account.get_tokens()
    assert bearer_me(x_api, tokens["access_token"]) == 200

    answer = alice_browser.post(f"/accounts/{account.pk}/unlink/", {"what": what})

    assert answer.status_code == 302
    assert bearer_me(x_api, tokens["access_token"]) == 401
    assert refresh(x_api, tokens["refresh_token"]) == 400
    page = alice_browser.get("/accounts/").text
    assert "Unlinked @sandbox_demo" in page
    assert "did not revoke" not in page


def test_failed_revocation_does_not_block_unlinking(alice_browser, x_api, settings):
    alice_browser.link(x_api, "oauth2")
    account = XAccount.objects.get()
    settings.X_API_URL = "http://127.0.0.1:9"  # X unreachable from now on

    alice_browser.post(f"/accounts/{account.pk}/unlink/", {"what": "delete"})

    assert not XAccount.objects.exists()
    page = alice_browser.get("/accounts/").text
    assert "Unlinked @sandbox_demo; everything polled was deleted." in page
    assert "X did not revoke metricsdash&#x27;s access to @sandbox_demo" in page
    assert "X could not be reached." in page
