"""Who may join (SIGNUP) and staff invitations: with the production default (`invite`) a
stranger cannot create an account; an invited person can, once, before the link expires.

The invitation goes out as the worker would send it (its task, called once the admin's
request has returned) to a real SMTP server on loopback; the link is read from the mail.
"""

import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts import tasks
from accounts.models import Invitation, Profile
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW = {"username": "dora", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture
def invite_only(settings):
    """The production default, stated: SIGNUP=invite."""
    settings.SIGNUP = "invite"
    settings.SITE_URL = "http://testserver"
    return settings


def users() -> list[str]:
    return sorted(get_user_model().objects.values_list("username", flat=True))


def invite_from_admin(client, staff, email="dora@example.com") -> Invitation:
    """Staff fill in the admin's invite form; the worker then mails the link."""
    client.force_login(staff)
    answer = client.post("/admin/accounts/invitation/add/", {"email": email})
    assert answer.status_code == 302, answer.content.decode()
    client.logout()
    invitation = Invitation.objects.get(email=email)
    assert invitation.invited_by == staff and invitation.sent_at is None
    assert tasks.send_invitation(invitation.pk) is True  # what the worker runs
    return invitation


def link_in(message) -> str:
    """The sign-up link in an invitation mail, as a path on the test server."""
    body = message.get_body(("plain",)).get_content()
    (url,) = re.findall(r"http://testserver(/auth/signup/[^\s]+/)", body)
    return url


def test_a_stranger_cannot_sign_up(client, invite_only):
    page = client.get("/auth/signup/")
    assert page.status_code == 403
    assert "Joining is by invitation" in page.content.decode()
    assert "<form" not in page.content.decode().split("<main")[1]

    answer = client.post("/auth/signup/", NEW)
    assert answer.status_code == 403
    assert users() == []
    # Nor is sign-up offered where it cannot happen.
    login = client.get("/auth/login/").content.decode()
    assert 'href="/auth/signup/"' not in login


def test_an_invited_person_signs_up_once(client, invite_only, staff, smtp):
    invitation = invite_from_admin(client, staff)
    (mail,) = smtp.messages
    assert mail["To"] == "dora@example.com"
    assert mail["Subject"] == "You are invited to metricsdash"
    path = link_in(mail)

    form = client.get(path)
    assert form.status_code == 200
    assert "You were invited as <strong>dora@example.com</strong>" in form.content.decode()

    # The address is the invitation's, whatever the form says.
    answer = client.post(path, {**NEW, "email": "mallory@example.com"})
    assert answer["Location"] == "/accounts/"
    dora = get_user_model().objects.get(username="dora")
    assert dora.email == "dora@example.com"
    assert Profile.of(dora).email_confirmed  # the invitation mail proved the address
    invitation.refresh_from_db()
    assert invitation.accepted_by == dora and invitation.accepted_at is not None

    # The same link a second time, by anyone: refused, nobody created.
    client.logout()
    again = client.post(path, {**NEW, "username": "dora2"})
    assert again.status_code == 400
    assert "This invitation was used already" in again.content.decode()
    assert client.get(path).status_code == 400
    assert users() == ["dora", "root"]


def test_the_invitation_mail_goes_once_and_carries_no_token_in_the_task(
    client, invite_only, staff, smtp
):
    invitation = invite_from_admin(client, staff)
    assert tasks.send_invitation(invitation.pk) is False  # a replayed task sends nothing
    assert len(smtp.messages) == 1


def test_an_expired_link_is_refused(client, invite_only, staff, smtp):
    invite_from_admin(client, staff)
    path = link_in(smtp.messages[0])

    late = timezone.now() + invite_only.INVITATION_MAX_AGE + timedelta(minutes=1)
    with time_machine.travel(late, tick=False):
        page = client.get(path)
        answer = client.post(path, NEW)

    assert page.status_code == 400 and "This invitation has expired" in page.content.decode()
    assert answer.status_code == 400
    assert users() == ["root"]


def test_a_tampered_link_is_refused(client, invite_only, staff, smtp):
    invite_from_admin(client, staff)
    path = link_in(smtp.messages[0])
    token = path.split("/")[-2]
    # Another character anywhere in the token, or the signature cut off.
    for forged in (
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        token[:5] + ("x" if token[5] != "x" else "y") + token[6:],
        token.rsplit(":", 1)[0],
        "dora",
    ):
        answer = client.post(f"/auth/signup/{forged}/", NEW)
        assert answer.status_code == 400, forged
        assert "not valid" in answer.content.decode()
    assert users() == ["root"]


def test_closed_refuses_everything(client, invite_only, staff, smtp):
    invitation = invite_from_admin(client, staff)
    path = link_in(smtp.messages[0])
    invite_only.SIGNUP = "closed"

    assert client.get("/auth/signup/").status_code == 404
    assert client.post("/auth/signup/", NEW).status_code == 404
    assert client.post(path, NEW).status_code == 404  # a link mailed before: refused too
    invitation.refresh_from_db()
    assert invitation.accepted_at is None

    client.force_login(staff)
    refused = client.post("/admin/accounts/invitation/add/", {"email": "eve@example.com"})
    assert refused.status_code == 200
    assert "Signing up is closed" in refused.content.decode()
    assert not Invitation.objects.filter(email="eve@example.com").exists()
    assert users() == ["root"]


def test_open_lets_anyone_sign_up_and_says_so(client, settings):
    settings.SIGNUP = "open"
    assert 'href="/auth/signup/"' in client.get("/auth/login/").content.decode()
    assert client.post("/auth/signup/", NEW)["Location"] == "/accounts/"
    assert users() == ["dora"]


def test_admin_refuses_inviting_an_existing_address(client, invite_only, staff, alice):
    client.force_login(staff)
    page = client.post("/admin/accounts/invitation/add/", {"email": "ALICE@example.com"})
    assert "Someone with this address has an account already." in page.content.decode()
    assert not Invitation.objects.exists()


def test_a_bad_signup_setting_fails_loudly_at_startup(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import metricsdash.settings"],
        env={"SIGNUP": "opne", "PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode != 0
    assert "SIGNUP must be one of open, invite, closed, not 'opne'." in result.stderr


def test_the_admin_hands_the_mail_to_the_worker(
    client, invite_only, staff, smtp, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks() as queued:
        client.post("/admin/accounts/invitation/add/", {"email": "dora@example.com"})
    assert len(queued) == 1  # send_invitation(id), handed to the broker after the commit
    assert smtp.messages == []  # nothing was sent inside the request

    invitation = Invitation.objects.get()
    tasks.send_invitation(invitation.pk)
    client.post(
        "/admin/accounts/invitation/",
        {"action": "send_again", "_selected_action": [invitation.pk]},
    )
    assert tasks.send_invitation(invitation.pk) is True  # a fresh link, mailed again
    assert [m["To"] for m in smtp.messages] == ["dora@example.com"] * 2
    client.logout()
    assert client.get(link_in(smtp.messages[1])).status_code == 200
