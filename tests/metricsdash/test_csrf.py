"""Every state-changing URL refuses a request without a CSRF token, and nothing changes.

The URLs are generated from the URLconf (metricsdash/urls.py and everything it includes).
Every URL outside the admin must be named in CHANGES_STATE, READ_ONLY or CSRF_EXEMPT: a new
URL that nobody classified fails the suite. Each one gets a POST, PUT and DELETE without a
token from its signed-in owner: Django's CSRF failure (403), and the database as before.
The same POST with the token is not refused, so the 403 was the token's doing. The admin's
URLs are all covered as they come (its views are CSRF-protected as a whole).
"""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from notifications.models import Destination
from tests.dashboard.test_outsiders import Objects, alert_rule_kwargs

pytestmark = pytest.mark.django_db

ACCOUNT = lambda o: {"account_id": o.account.pk}  # noqa: E731
TWEET = lambda o: {"tweet_id": o.tweet.pk}  # noqa: E731
TOKEN = lambda o: {"token": "not-a-signed-token"}  # noqa: E731 - refused before the view
ACCESS = lambda o: {"account_id": o.account.pk, "access_id": o.access.pk}  # noqa: E731
PENDING = lambda o: {"account_id": o.account.pk, "pending_id": o.pending.pk}  # noqa: E731
NONE = lambda o: {}  # noqa: E731
EMAIL_DESTINATION = lambda o: {"pk": Destination.email_of(o.account.owner).pk}  # noqa: E731

# URL name -> its path parameters from alice's objects. Views that take a POST to change
# something (sign in and out, link, pause, unlink, settings, previews...).
CHANGES_STATE = {
    "login": NONE,
    "signup": NONE,
    "signup_invited": TOKEN,
    "confirm_email": TOKEN,
    "password_change": NONE,
    "accounts:link_oauth1": NONE,
    "accounts:link_oauth2": NONE,
    "accounts:pause": ACCOUNT,
    "accounts:resume": ACCOUNT,
    "accounts:poll_now": ACCOUNT,
    "accounts:sharing": ACCOUNT,
    "accounts:change_role": ACCESS,
    "accounts:remove_access": ACCESS,
    "accounts:withdraw_invitation": PENDING,
    "reports:settings": NONE,
    "reports:preview": lambda o: {"frequency": "weekly"},
    "reports:resend_confirmation": NONE,
    "notifications:add": NONE,
    "notifications:toggle": EMAIL_DESTINATION,
    "notifications:remove": EMAIL_DESTINATION,  # the email one cannot be removed: a 404
    "notifications:quiet_hours": NONE,
    "notifications:test": NONE,
    "alerts:rules": ACCOUNT,
    "alerts:edit": lambda o: alert_rule_kwargs(o.account),
    "alerts:delete": lambda o: alert_rule_kwargs(o.account),
    "dashboard:settings": NONE,
    "accounts:unlink": ACCOUNT,  # last but one: it deletes the account
    "logout": NONE,  # last: it ends the session
}
# GET-only views: a POST without a token is refused all the same.
READ_ONLY = {
    "home": NONE,
    "notifications:settings": NONE,
    "accounts:list": NONE,
    "accounts:oauth1_callback": NONE,
    "accounts:oauth2_callback": NONE,
    "dashboard:overview": NONE,
    "dashboard:overview_csv": NONE,
    "dashboard:api_kpis": NONE,
    "dashboard:api_series": NONE,
    "dashboard:api_engagements": NONE,
    "dashboard:api_top_tweets": NONE,
    "dashboard:api_audience": NONE,
    "dashboard:audience_csv": NONE,
    "dashboard:timing": NONE,
    "dashboard:api_timing": NONE,
    "dashboard:timing_csv": NONE,
    "dashboard:tweet": TWEET,
    "dashboard:tweet_samples_csv": TWEET,
    "dashboard:api_tweet_series": TWEET,
    "dashboard:api_tweet_gains": TWEET,
    "dashboard:api_tweet_video": TWEET,
    "dashboard:compare": NONE,
    "dashboard:api_compare": NONE,
}
# Exempt on purpose, each with why.
CSRF_EXEMPT = {
    "reports:unsubscribe": "RFC 8058 one-click: mail clients POST with no session; the "
    "signed token in the URL is the credential",
}
# The admin's path parameters, whatever the URL.
ADMIN_PARAMS = {"object_id": "1", "app_label": "accounts", "content_type_id": "1"}


def url_names(resolver=None, namespace=""):
    """(name, path parameters) of every named URL pattern, the admin's included."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, (namespace, entry.namespace)))
            for name, params in url_names(entry, inner):
                yield name, {*entry.pattern.regex.groupindex, *params}
        elif isinstance(entry, URLPattern) and entry.name:
            name = ":".join(filter(None, (namespace, entry.name)))
            yield name, set(entry.pattern.regex.groupindex)


def snapshot() -> dict:
    """Every row of the product's own tables (the throttling log aside)."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for config in ("auth", "accounts", "tweets", "reports")
        for model in apps.get_app_config(config).get_models()
    }


def csrf_refused(answer) -> bool:
    return answer.status_code == 403 and b"CSRF verification failed" in answer.content


@pytest.fixture
def owner(alice):
    alice.is_staff = alice.is_superuser = True  # the admin's URLs too
    alice.save()
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    return client, Objects(alice)


def test_every_url_is_classified():
    names = {name for name, _ in url_names() if not name.startswith("admin:")}
    tables = [set(CHANGES_STATE), set(READ_ONLY), set(CSRF_EXEMPT)]
    assert names - set().union(*tables) == set(), "add these URLs to a table in this file"
    assert set().union(*tables) - names == set(), "these URLs are gone: drop their entries"
    assert sum(len(t) for t in tables) == len(names), "a URL is in more than one table"


def test_no_token_no_change(owner):
    client, objects = owner
    before = snapshot()
    for name, kwargs in {**READ_ONLY, **CHANGES_STATE}.items():
        url = reverse(name, kwargs=kwargs(objects))
        for method in ("post", "put", "delete"):
            answer = getattr(client, method)(url, {"enabled": "on", "timezone": "UTC"})
            assert csrf_refused(answer), f"{method.upper()} {url}: {answer.status_code}"
    assert snapshot() == before
    assert client.get("/dashboard/").status_code == 200  # still signed in: logout refused


def test_the_admin_refuses_every_post_without_a_token(owner):
    client, _ = owner
    admin_urls = [
        reverse(name, kwargs={p: ADMIN_PARAMS[p] for p in params})
        for name, params in url_names()
        if name.startswith("admin:") and set(params) <= set(ADMIN_PARAMS)
    ]
    assert len(admin_urls) > 40
    before = snapshot()
    for url in admin_urls:
        answer = client.post(url, {"action": "pause", "_selected_action": ["1"]})
        assert csrf_refused(answer), f"POST {url}: {answer.status_code}"
    assert snapshot() == before


def test_with_the_token_the_same_posts_are_not_refused(owner):
    """So the refusals above were the missing token's, not some other 403."""
    client, objects = owner
    client.get("/accounts/")  # sets the CSRF cookie, as a page with a form does
    token = client.cookies["csrftoken"].value
    for name, kwargs in CHANGES_STATE.items():
        url = reverse(name, kwargs=kwargs(objects))
        answer = client.post(url, {"enabled": "on"}, HTTP_X_CSRFTOKEN=token)
        assert not csrf_refused(answer), f"POST {url} with the token"
