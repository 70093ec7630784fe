"""The demo's second sandbox user, linked by clicking through the OAuth 2.0 flow in a real
browser; its first poll then shows on the dashboard with no other command (beat and a real
worker poll it)."""

import pytest

from accounts.models import XAccount
from tests.conftest import wait_for
from tweets.models import PollRun

pytestmark = pytest.mark.django_db(transaction=True)


def test_newcomer_links_by_clicking_and_its_first_poll_shows(x_api, worker, tab, django_user_model):
    django_user_model.objects.create_user("newcomer", password="pw-newcomer-123")
    tab.sign_in("newcomer", "pw-newcomer-123")
    tab.open("/accounts/")
    tab.page.click("text=Link with OAuth 2.0")

    # On the sandbox's approval page: pick the account and approve, as a person would.
    tab.page.wait_for_selector("text=Authorize metricsdash")
    tab.page.check("label:has-text('@sandbox_newcomer') input[type=radio]")
    tab.page.click("button:has-text('Authorize app')")
    tab.page.wait_for_url(f"{tab.base_url}/accounts/**")
    assert "@sandbox_newcomer" in tab.page.content()
    account = XAccount.objects.get(username="sandbox_newcomer")
    assert account.auth_kind == "oauth2"

    wait_for(
        lambda: PollRun.objects.filter(account=account, outcome="ok").exists(),
        what="the worker's first poll of the new account",
    )
    tab.open(f"/dashboard/?account={account.pk}")
    body = tab.page.content()
    assert "First poll in about two minutes" not in body
    assert "As of the last poll" in body
    impressions = tab.page.inner_text("li.kpi[data-kpi=impressions] .kpi-value")
    assert impressions.strip() not in ("", "—")
    tab.screenshot("newcomer-first-poll")
