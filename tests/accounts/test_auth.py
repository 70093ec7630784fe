"""Signing up (when open), in and out, changing the password; the base page and its
sandbox banner. Invitations are in test_signup.py, throttling in test_throttling.py."""

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_up_signs_the_person_in(client, settings):
    settings.SIGNUP = "open"
    answer = client.post(
        "/auth/signup/",
        {"username": "dora", "password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"},
    )
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/"  # a new person links an account first
    page = client.get("/accounts/").content.decode()
    assert "Welcome, dora." in page
    assert "Link an account" in page
    assert get_user_model().objects.filter(username="dora").exists()


def test_sign_up_shows_form_errors(client, settings):
    settings.SIGNUP = "open"
    page = client.post("/auth/signup/", {"username": "dora", "password1": "x", "password2": "y"})
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()
    assert not get_user_model().objects.exists()


def test_sign_in_and_out(client, alice):
    answer = client.post("/auth/login/", {"username": "alice", "password": PASSWORD})
    assert answer["Location"] == "/"  # home: the overview for people signed in
    page = client.get("/accounts/").content.decode()
    assert 'action="/auth/logout/"' in page

    assert client.get("/auth/logout/").status_code == 405  # signing out takes a POST
    assert client.post("/auth/logout/")["Location"] == "/auth/login/"
    assert client.get("/accounts/").status_code == 302


def test_wrong_password_is_refused(client, alice):
    page = client.post("/auth/login/", {"username": "alice", "password": "nope"})
    assert page.status_code == 200
    assert "errorlist" in page.content.decode()


def test_home_sends_signed_in_people_to_the_dashboard(client, alice):
    client.force_login(alice)
    assert client.get("/")["Location"] == "/dashboard/"


def test_password_change(client, alice):
    client.force_login(alice)
    answer = client.post(
        "/auth/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-phrase",
            "new_password2": "another-long-phrase",
        },
        follow=True,
    )
    assert "Your password was changed." in answer.content.decode()
    alice.refresh_from_db()
    assert alice.check_password("another-long-phrase")


def test_sandbox_banner_on_every_page(client, settings):
    settings.X_SANDBOX = True
    settings.X_API_URL = "http://127.0.0.1:8001"
    page = client.get("/auth/login/").content.decode()
    assert "Sandbox data</strong> — X API sandbox at <code>http://127.0.0.1:8001</code>" in page
    assert '<link rel="stylesheet" href="/static/css/app.css">' in page

    settings.X_SANDBOX = False
    assert "Sandbox data" not in client.get("/auth/login/").content.decode()


def test_the_request_user_is_the_orms_with_its_profile(alice, bob, django_assert_num_queries):
    """ProfileBackend.get_user runs the query the ORM built once (accounts/compiled.py):
    the same person with every field, the profile cached when there is one and None when
    not, nobody for an inactive person or an id that is not one."""
    from accounts.backends import ProfileBackend
    from accounts.models import Profile

    Profile.objects.update_or_create(user=alice, defaults={"timezone": "Asia/Kolkata"})
    Profile.objects.filter(user=bob).delete()
    backend = ProfileBackend()
    users = get_user_model().objects.select_related("profile")
    for person in (alice, bob):
        found, expected = backend.get_user(str(person.pk)), users.get(pk=person.pk)
        assert _fields(found) == _fields(expected)
        assert found._state.adding is False and found._state.db == "default"
    found = backend.get_user(alice.pk)
    assert found._state.fields_cache["profile"].timezone == "Asia/Kolkata"
    assert found.profile.user is found  # cached both ways, as select_related does
    assert _fields(found.profile) == _fields(Profile.objects.get(user=alice))
    with django_assert_num_queries(0):
        assert Profile.of_request_user(found).zone.key == "Asia/Kolkata"
    assert backend.get_user(bob.pk)._state.fields_cache["profile"] is None
    get_user_model().objects.filter(pk=bob.pk).update(is_active=False)
    assert backend.get_user(bob.pk) is None
    assert backend.get_user("not an id") is None
    assert backend.get_user(10**9) is None


def _fields(instance) -> dict:
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def test_a_compiled_query_takes_exactly_its_values(alice, bob):
    """CompiledQuery refuses a query with another parameter (it would run with the probe's
    neighbours frozen in) and one that is not select_related one level deep; each value
    goes where its argument stood."""
    from accounts.compiled import CompiledQuery
    from accounts.models import AccountAccess

    users = get_user_model().objects
    with pytest.raises(AssertionError, match="takes other values than its"):
        CompiledQuery(lambda pk: users.filter(pk=pk, username="alice"))(alice.pk)
    deep = CompiledQuery(
        lambda pk: AccountAccess.objects.select_related("account__owner").filter(user=pk)
    )
    with pytest.raises(AssertionError, match="deeper than one level"):
        deep(alice.pk)
    assert CompiledQuery(lambda pk: users.filter(pk=pk))(alice.pk) == [alice]
    pair = CompiledQuery(lambda a, b: users.filter(pk__in=[a, b]).exclude(pk=a).order_by("pk"))
    assert pair(alice.pk, bob.pk) == [bob] and pair(bob.pk, alice.pk) == [alice]
