"""In a real browser: staff sign in to the admin, run every action, and no page's HTML
holds a token, neither a plaintext one nor the stored ciphertext.

Chromium is Debian's, launched by tests/browser/conftest.py's `chromium` fixture. The
live server and the sandbox are real HTTP servers on loopback.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import reverse

from accounts.models import XAccount
from reports.models import ReportSubscription
from tests.conftest import PASSWORD

from .conftest import secrets_of

pytestmark = pytest.mark.django_db(transaction=True)


class AdminPages:
    """One signed-in browser tab; keeps the HTML source of every page it saw."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.html: dict[str, str] = {}

    def _keep(self, name: str, response=None) -> None:
        # The source as the server sent it, and the document as the browser built it.
        source = response.text() if response is not None else ""
        self.html[name] = source + self.page.content()

    def visit(self, path: str):
        response = self.page.goto(self.base_url + path, wait_until="domcontentloaded")
        assert response.ok, f"{path}: {response.status}"
        self._keep(path, response)
        return response

    def sign_in(self, username: str, password: str) -> None:
        self.visit("/admin/login/?next=/admin/")
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", password)
        with self.page.expect_navigation():
            self.page.click("input[type=submit]")
        assert self.page.url == f"{self.base_url}/admin/"

    def run_action(self, changelist: str, pks, action: str) -> None:
        """Tick the rows, choose the action, press Go; the page it lands on is kept."""
        self.visit(changelist)
        for pk in pks:
            self.page.check(f'input[name="_selected_action"][value="{pk}"]')
        self.page.select_option('select[name="action"]', action)
        with self.page.expect_navigation() as navigation:
            self.page.click('button[name="index"]')
        self._keep(f"{changelist} after {action}", navigation.value)

    def messages(self) -> str:
        return self.page.locator("ul.messagelist").inner_text()


def test_staff_run_every_admin_action_and_no_page_holds_a_token(
    live_server, chromium, installation, staff
):
    demo, newcomer = installation
    secrets = secrets_of(demo, newcomer)
    pages = AdminPages(chromium.new_page(), live_server.url)
    pages.sign_in(staff.username, PASSWORD)
    accounts = "/admin/accounts/xaccount/"

    # Poll now: the beat claims it (next_poll_at is now).
    XAccount.objects.filter(pk=demo.pk).update(next_poll_at=None)
    pages.run_action(accounts, [demo.pk], "poll_now")
    assert "Queued for polling: @sandbox_demo." in pages.messages()
    demo.refresh_from_db()
    assert demo.next_poll_at is not None and demo.state == "active"

    pages.run_action(accounts, [demo.pk, newcomer.pk], "pause")
    assert "Paused: @sandbox_demo, @sandbox_newcomer." in pages.messages()
    assert set(XAccount.objects.values_list("state", flat=True)) == {"paused"}

    pages.run_action(accounts, [demo.pk], "resume")
    assert "Resumed: @sandbox_demo." in pages.messages()
    pages.run_action(accounts, [demo.pk], "pause")  # already paused: skipped, and said so
    pages.run_action(accounts, [demo.pk], "resume")
    demo.refresh_from_db()
    assert demo.state == "active"

    # Require re-authorisation: asks for the reason the owner will see, then applies it.
    pages.run_action(accounts, [newcomer.pk], "require_reauth")
    assert "Require re-authorisation" in pages.page.content()
    pages.page.fill("#id_reason", "Scopes changed: please link @sandbox_newcomer again.")
    with pages.page.expect_navigation() as navigation:
        pages.page.click("input[type=submit][value='Require re-authorisation']")
    pages._keep("after re-authorisation", navigation.value)
    assert "Re-authorisation required: @sandbox_newcomer." in pages.messages()
    newcomer.refresh_from_db()
    assert newcomer.state == "needs_reauth" and newcomer.next_poll_at is None
    assert newcomer.state_reason == "Scopes changed: please link @sandbox_newcomer again."

    subscription = ReportSubscription.objects.get()
    pages.run_action("/admin/reports/reportsubscription/", [subscription.pk], "send_now")
    assert "1 report(s) due now" in pages.messages()

    # Every model's changelist and change page, the history pages, the health page.
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        pages.visit(reverse("admin:{}_{}_changelist".format(*info)))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            pages.visit(reverse("admin:{}_{}_change".format(*info), args=[quote(first.pk)]))
    for account in (demo, newcomer):
        pages.visit(reverse("admin:accounts_xaccount_history", args=[account.pk]))
    pages.visit("/admin/health/")
    assert "worker1@test" in pages.page.content()

    print(f"\n{len(pages.html)} admin pages seen, none holds any of {len(secrets)} secrets")
    assert len(pages.html) >= 30
    for name, html in pages.html.items():
        for secret in secrets:
            assert secret not in html, f"a token is in the HTML of {name}"
    # The check has teeth: the ciphertext is really stored, and the pages show the accounts.
    assert XAccount.objects.get(pk=demo.pk).tokens_encrypted == secrets[0]
    assert "@sandbox_demo" in pages.html[accounts]
