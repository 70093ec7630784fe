"""Sign-in throttling (django-axes): 5 wrong passwords for one username from one IP lock
that pair for 15 minutes, on the site's sign-in and the admin's; another IP, another
username, still sign in. Staff see the lockout in the admin and can lift it."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib import admin

from metricsdash.admin import MetricsdashAdminSite
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)
IP_A, IP_B = "203.0.113.7", "198.51.100.9"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)


def sign_in(client, path, username, password, ip, **headers):
    """A sign-in form posted from `ip`; the session starts empty each time."""
    client.logout()
    data = {"username": username, "password": password}
    if path.startswith("/admin/"):
        data["next"] = "/admin/"
    return client.post(path, data, REMOTE_ADDR=ip, **headers)


def signed_in(answer) -> bool:
    return answer.status_code == 302


@pytest.mark.parametrize("path", ["/auth/login/", "/admin/login/"])
def test_five_failures_lock_that_username_from_that_ip_only(client, alice, bob, staff, path):
    # On the admin's sign-in only staff get in, so the admin's persona is root.
    who, other = ("root", "alice") if path.startswith("/admin/") else ("alice", "bob")
    if path.startswith("/admin/"):
        alice.is_staff = True
        alice.save()
    for _ in range(4):
        assert sign_in(client, path, who, "wrong", IP_A).status_code == 200
    assert sign_in(client, path, who, "wrong", IP_A).status_code == 429  # the fifth locks

    locked = sign_in(client, path, who, PASSWORD, IP_A)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Too many failed sign-ins" in page and "0:15:00" in page
    # Nothing inline: no style attribute or block, no script without a src.
    assert not re.search(r"\sstyle=|<style|<script(?![^>]*\ssrc=)", page)

    assert signed_in(sign_in(client, path, who, PASSWORD, IP_B))  # the same user elsewhere
    assert signed_in(sign_in(client, path, other, PASSWORD, IP_A))  # another user here


def test_the_lock_lifts_after_15_minutes(client, alice, frozen):
    for _ in range(5):
        sign_in(client, "/auth/login/", "alice", "wrong", IP_A)
    frozen.move_to(NOW + timedelta(minutes=15, seconds=1))
    assert signed_in(sign_in(client, "/auth/login/", "alice", PASSWORD, IP_A))


def test_trying_while_locked_starts_the_15_minutes_again(client, alice, frozen):
    for _ in range(5):
        sign_in(client, "/auth/login/", "alice", "wrong", IP_A)
    frozen.move_to(NOW + timedelta(minutes=14))
    assert sign_in(client, "/auth/login/", "alice", PASSWORD, IP_A).status_code == 429
    # Trying while locked does not help: the 15 minutes start again from then.
    frozen.move_to(NOW + timedelta(minutes=15, seconds=1))
    assert sign_in(client, "/auth/login/", "alice", PASSWORD, IP_A).status_code == 429
    frozen.move_to(NOW + timedelta(minutes=15 + 15, seconds=2))
    assert signed_in(sign_in(client, "/auth/login/", "alice", PASSWORD, IP_A))


def test_four_failures_do_not_lock_and_success_forgets_them(client, alice):
    for _ in range(4):
        sign_in(client, "/auth/login/", "alice", "wrong", IP_A)
    assert signed_in(sign_in(client, "/auth/login/", "alice", PASSWORD, IP_A))
    for _ in range(4):
        sign_in(client, "/auth/login/", "alice", "wrong", IP_A)
    assert signed_in(sign_in(client, "/auth/login/", "alice", PASSWORD, IP_A))


def test_a_forged_forwarded_for_header_does_not_dodge_the_lock(client, alice):
    # No trusted proxy by default: the IP is REMOTE_ADDR, whatever the client writes.
    for n in range(5):
        sign_in(client, "/auth/login/", "alice", "wrong", IP_A, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
    locked = sign_in(client, "/auth/login/", "alice", PASSWORD, IP_A, HTTP_X_FORWARDED_FOR=IP_B)
    assert locked.status_code == 429


def test_staff_see_the_lockout_in_the_admin_and_lift_it(client, alice, staff):
    assert isinstance(admin.site, MetricsdashAdminSite)
    assert AccessAttempt in admin.site._registry  # axes's admin, on our site
    for _ in range(5):
        sign_in(client, "/auth/login/", "alice", "wrong", IP_A)

    client.force_login(staff)
    listing = client.get("/admin/axes/accessattempt/").content.decode()
    assert "alice" in listing and IP_A in listing
    attempt = AccessAttempt.objects.get(username="alice", ip_address=IP_A)
    assert attempt.failures_since_start == 5
    answer = client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert answer.status_code == 302
    assert not AccessAttempt.objects.exists()

    assert signed_in(sign_in(client, "/auth/login/", "alice", PASSWORD, IP_A))
