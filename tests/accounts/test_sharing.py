"""Sharing an account (accounts/sharing.py and its page): alice owns, bob is given access,
charlie has none.

By username, access is granted at once; by email, an invitation carries it, mailed as the
worker would (its task) through a real SMTP server on loopback, and the access is granted
when the link is used, by signing up or by someone signed in already. Nobody but staff
learns from the answer whether an address has an account here. What each role may do on
every URL is tests/test_role_matrix.py.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from accounts import tasks
from accounts.models import AccountAccess, Invitation, PendingAccess, XAccount
from reports.models import ReportSubscription
from tests.accounts.test_signup import NEW, link_in
from tests.reports.conftest import make_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(alice):
    return make_account(alice, "sandbox_demo")


@pytest.fixture
def sharing(client, alice, demo, settings):
    """alice on her account's sharing page; posting shares it."""
    settings.SIGNUP = "invite"
    settings.SITE_URL = "http://testserver"
    client.force_login(alice)
    url = f"/accounts/{demo.pk}/sharing/"

    def share(who: str, role: str = "viewer"):
        return client.post(url, {"who": who, "role": role})

    share.url = url
    return share


def page_text(answer) -> str:
    """The page's words, tags and repeated spaces out."""
    return " ".join(re.sub(r"<[^>]+>", " ", answer.content.decode()).split())


def test_the_owner_shares_by_username_and_the_person_sees_the_account(
    sharing, client, demo, alice, bob
):
    answer = sharing("bob", "manager")

    assert answer.status_code == 302
    assert demo.role_of(bob) == "manager" and demo.people() == [alice, bob]
    assert AccountAccess.objects.get(account=demo, user=bob).granted_by == alice
    page = page_text(client.get(sharing.url))
    assert "bob is now a manager of @sandbox_demo." in page
    assert (
        "alice (you) Owner" in page
        and 'value="manager" selected' in client.get(sharing.url).content.decode()
    )
    # bob's accounts page: the account, his role, the buttons a manager has and no more.
    client.force_login(bob)
    mine = client.get("/accounts/").content.decode()
    assert "@sandbox_demo" in mine and "Manager, shared by alice" in mine
    assert f"/accounts/{demo.pk}/pause/" in mine
    assert f"/accounts/{demo.pk}/unlink/" not in mine and sharing.url not in mine
    assert list(XAccount.objects.visible_to(bob)) == [demo]
    assert list(XAccount.objects.managed_by(bob)) == [demo]


def test_a_viewer_gets_no_buttons(sharing, client, demo, bob):
    sharing("bob")
    client.force_login(bob)
    mine = client.get("/accounts/").content.decode()
    assert "Viewer, shared by alice" in mine
    assert f"/accounts/{demo.pk}/" not in mine  # no pause, resume, poll, unlink or sharing
    assert list(XAccount.objects.managed_by(bob)) == []
    assert client.post(f"/accounts/{demo.pk}/poll-now/").status_code == 403
    demo.require_reauth("X refused the tokens.")
    assert "Only its owner, alice, can re-link it." in page_text(client.get("/accounts/"))


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("alice", "alice owns @sandbox_demo."),
        ("nobody", "Nobody here has the username “nobody”. To invite someone new, enter"),
        ("", "This field is required."),
    ],
)
def test_what_cannot_be_shared_is_a_form_error(sharing, who, error):
    answer = sharing(who)
    assert answer.status_code == 200
    assert error in page_text(answer)
    assert not AccountAccess.objects.exists() and not Invitation.objects.exists()


def test_an_unknown_role_is_a_form_error(sharing, bob):
    answer = sharing("bob", "admin")
    assert answer.status_code == 200 and "Select a valid choice." in page_text(answer)
    assert not AccountAccess.objects.exists()


def test_an_address_is_invited_whether_or_not_it_has_an_account(sharing, client, bob):
    """For someone not staff, bob's address and a stranger's get the same answer."""
    answers, pages = [], []
    for email in ("bob@example.com", "nobody@example.com"):
        answers.append(sharing(email))
        pages.append(page_text(client.get(sharing.url)))

    assert [a.status_code for a in answers] == [302, 302]
    assert not AccountAccess.objects.exists()  # bob has nothing until he uses the link
    said = "An invitation is on its way to {}; they become a viewer of @sandbox_demo when"
    assert said.format("bob@example.com") in pages[0]
    assert said.format("nobody@example.com") in pages[1]
    assert "bob@example.com (invited, not yet accepted)" in pages[1]
    assert "nobody@example.com (invited, not yet accepted)" in pages[1]
    who_has_access = pages[1].split("Who has access")[1].split("Share with")[0]
    assert re.search(r"(?<![\w@.])bob(?![\w@.])", who_has_access) is None  # no username


def test_staff_share_an_address_of_someone_here_at_once(sharing, client, alice, demo, bob):
    alice.is_staff = True
    alice.save()
    assert sharing("BOB@example.com").status_code == 302
    assert demo.role_of(bob) == "viewer" and not Invitation.objects.exists()


def test_with_signup_closed_nobody_is_invited(sharing, settings):
    settings.SIGNUP = "closed"
    answer = sharing("dora@example.com")
    assert answer.status_code == 200
    assert "Signing up is closed (SIGNUP=closed): nobody can be invited." in page_text(answer)
    assert not Invitation.objects.exists()


def test_invitations_are_limited_per_person_per_day(sharing, settings, alice):
    settings.SHARING_INVITATIONS_PER_DAY = 2
    assert sharing("one@example.com").status_code == 302
    assert sharing("two@example.com").status_code == 302
    # An address with an open invitation joins it: no second mail, nothing counted.
    assert sharing("one@example.com", "manager").status_code == 302

    refused = sharing("three@example.com")

    assert refused.status_code == 200
    assert "You have invited 2 addresses in the last 24 hours, the most allowed." in page_text(
        refused
    )
    assert sorted(Invitation.objects.values_list("email", flat=True)) == [
        "one@example.com",
        "two@example.com",
    ]
    assert PendingAccess.objects.get(invitation__email="one@example.com").role == "manager"


def test_a_new_person_signs_up_from_the_mail_and_sees_the_account(sharing, client, demo, smtp):
    sharing("dora@example.com", "manager")
    invitation = Invitation.objects.get()
    assert tasks.send_invitation(invitation.pk) is True  # what the worker runs
    (mail,) = smtp.messages
    body = mail.get_body(("plain",)).get_content()
    assert mail["To"] == "dora@example.com"
    assert "alice invites you" in body and "They share @sandbox_demo with you." in body

    client.logout()
    answer = client.post(link_in(mail), NEW)

    assert answer.status_code == 302
    dora = get_user_model().objects.get(username="dora")
    assert demo.role_of(dora) == "manager"
    assert not PendingAccess.objects.exists()
    assert client.get("/dashboard/", {"account": demo.pk}).status_code == 200


def test_someone_signed_in_adds_the_shared_account_with_the_link(sharing, client, demo, bob, smtp):
    sharing("bob.at.home@example.com")
    tasks.send_invitation(Invitation.objects.get().pk)
    path = link_in(smtp.messages[0])
    client.force_login(bob)

    offer = client.get(path)
    assert offer.status_code == 200
    assert "alice shares @sandbox_demo with bob.at.home@example.com." in page_text(offer)
    assert demo.role_of(bob) is None  # a GET (a link scanner) accepts nothing

    assert client.post(path)["Location"] == "/accounts/"
    assert demo.role_of(bob) == "viewer"
    assert client.post(path).status_code == 400  # once


def test_withdrawing_an_invitation_leaves_the_person_without_access(sharing, client, demo, smtp):
    sharing("dora@example.com")
    pending = PendingAccess.objects.get()
    tasks.send_invitation(pending.invitation_id)
    withdraw = f"/accounts/{demo.pk}/sharing/invitations/{pending.pk}/withdraw/"
    assert client.post(withdraw).status_code == 302

    client.logout()
    client.post(link_in(smtp.messages[0]), NEW)

    dora = get_user_model().objects.get(username="dora")  # the invitation still lets her in
    assert demo.role_of(dora) is None
    assert client.get("/dashboard/", {"account": demo.pk}).status_code == 404


def test_changing_and_removing_access(sharing, client, demo, bob):
    sharing("bob")
    granted = AccountAccess.objects.get()
    base = f"/accounts/{demo.pk}/sharing/{granted.pk}"

    assert client.post(f"{base}/role/", {"role": "manager"}).status_code == 302
    assert demo.role_of(bob) == "manager"
    refused = client.post(f"{base}/role/", {"role": "owner"}, follow=True)
    assert "The role was not changed: choose manager or viewer." in page_text(refused)
    assert demo.role_of(bob) == "manager"

    assert client.post(f"{base}/remove/").status_code == 302
    assert demo.role_of(bob) is None
    assert client.post(f"{base}/remove/").status_code == 404


def test_an_access_of_another_account_is_not_found_through_this_one(
    sharing, client, alice, demo, bob
):
    other = make_account(alice, "sandbox_newcomer")
    elsewhere = AccountAccess.objects.create(account=other, user=bob)
    answer = client.post(f"/accounts/{demo.pk}/sharing/{elsewhere.pk}/remove/")
    assert answer.status_code == 404
    assert AccountAccess.objects.filter(pk=elsewhere.pk).exists()


def test_a_viewer_chooses_the_shared_account_for_reports_and_an_outsider_cannot(
    client, demo, bob, charlie
):
    AccountAccess.objects.create(account=demo, user=bob)
    weekly = {"weekly-enabled": "on", "weekly-local_hour": "9", "weekly-accounts": demo.pk}
    form = {"email": "x@example.com", **weekly}
    for frequency in ("daily", "monthly"):
        form[f"{frequency}-local_hour"] = "9"

    client.force_login(bob)
    assert "@sandbox_demo" in client.get("/reports/").content.decode()
    assert client.post("/reports/", form).status_code == 302
    assert ReportSubscription.objects.get(user=bob, frequency="weekly").report_accounts() == [demo]

    client.force_login(charlie)
    answer = client.post("/reports/", form)
    assert answer.status_code == 200 and "Select a valid choice" in answer.content.decode()

    # Without the access, bob's report no longer covers the account.
    AccountAccess.objects.filter(user=bob).delete()
    assert ReportSubscription.objects.get(user=bob, frequency="weekly").report_accounts() == []


def test_an_owner_is_never_given_an_access_to_their_own_account(demo, alice):
    with pytest.raises(ValidationError, match="This person owns the account"):
        AccountAccess(account=demo, user=alice).full_clean()


def test_the_admin_lists_who_an_account_is_shared_with(client, django_user_model, demo, bob):
    AccountAccess.objects.create(account=demo, user=bob, role="manager")
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    page = client.get(f"/admin/accounts/xaccount/{demo.pk}/change/").content.decode()
    assert "accesses-TOTAL_FORMS" in page and 'value="manager" selected' in page


def _fields(instance) -> dict:
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def test_the_list_the_dashboard_reads_is_visible_to_by_username(alice, bob, charlie):
    """visible_list runs visible_to's SQL, built once per process: for the owner, a person
    given access, one with none and the signed-out, the same accounts in the same order."""
    from django.contrib.auth.models import AnonymousUser

    mine = [make_account(alice, name) for name in ("sandbox_newcomer", "sandbox_demo")]
    AccountAccess.objects.create(account=mine[0], user=bob, role="viewer", granted_by=alice)
    make_account(charlie, "sandbox_big")
    for person in (alice, bob, charlie, AnonymousUser()):
        expected = list(XAccount.objects.visible_to(person).order_by("username"))
        listed = XAccount.objects.visible_list(person)
        assert listed == expected and all(type(a) is XAccount for a in listed), person
        assert [_fields(a) for a in listed] == [_fields(a) for a in expected], person
    assert [a.username for a in XAccount.objects.visible_list(alice)] == [
        "sandbox_demo",
        "sandbox_newcomer",
    ]
    assert XAccount.objects.visible_list(bob) == [mine[0]]
    assert XAccount.objects.visible_list(AnonymousUser()) == []


def test_on_the_dashboard_the_accounts_come_with_the_person(alice, bob, django_assert_num_queries):
    """Under accounts_with_user (the dashboard's period views), the sign-in backend reads the
    person and the accounts they may see in one round trip; visible_list takes those once,
    the same as it would read, and reads afresh after. Elsewhere it reads them itself."""
    from accounts.backends import ProfileBackend, accounts_with_user

    mine = [make_account(alice, name) for name in ("sandbox_newcomer", "sandbox_demo")]
    AccountAccess.objects.create(account=mine[1], user=bob, role="viewer", granted_by=alice)
    for person in (alice, bob):
        expected = [_fields(a) for a in XAccount.objects.visible_list(person)]
        with accounts_with_user(), django_assert_num_queries(1):
            user = ProfileBackend().get_user(person.pk)
            listed = XAccount.objects.visible_list(user)
        assert user == person and [_fields(a) for a in listed] == expected
        with django_assert_num_queries(1):  # taken once: the next call reads them again
            assert [_fields(a) for a in XAccount.objects.visible_list(user)] == expected
    with django_assert_num_queries(2):
        user = ProfileBackend().get_user(alice.pk)
        XAccount.objects.visible_list(user)
    with accounts_with_user(), django_assert_num_queries(1):
        assert ProfileBackend().get_user(10**9) is None
