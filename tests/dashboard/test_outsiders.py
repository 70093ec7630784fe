"""Only the person's own accounts: an outsider gets 404 on every URL that takes an id.

The URLs are generated from the URLconf: every pattern with a path parameter must be in
ID_IN_PATH (or, with a reason, in NOT_AN_OBJECT_ID), and every dashboard URL must be in
ID_IN_PATH, ID_IN_QUERY or TAKES_NO_ID. A new URL that nobody classified fails the suite.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import AccountAccess, Invitation, PendingAccess, XAccount
from alerts.models import AlertRule
from notifications.models import Destination
from tweets.models import HourlyRollup, Media, PollRun, Tweet, TweetSample, VideoSample

pytestmark = pytest.mark.django_db

# URL name -> (the HTTP methods it answers, kwargs from alice's objects). The accounts app's
# own included.
ID_IN_PATH = {
    "accounts:pause": (("post",), lambda o: {"account_id": o.account.pk}),
    "accounts:resume": (("post",), lambda o: {"account_id": o.account.pk}),
    "accounts:poll_now": (("post",), lambda o: {"account_id": o.account.pk}),
    "accounts:unlink": (("get", "post"), lambda o: {"account_id": o.account.pk}),
    "accounts:sharing": (("get", "post"), lambda o: {"account_id": o.account.pk}),
    "accounts:change_role": (
        ("post",),
        lambda o: {"account_id": o.account.pk, "access_id": o.access.pk},
    ),
    "accounts:remove_access": (
        ("post",),
        lambda o: {"account_id": o.account.pk, "access_id": o.access.pk},
    ),
    "accounts:withdraw_invitation": (
        ("post",),
        lambda o: {"account_id": o.account.pk, "pending_id": o.pending.pk},
    ),
    "dashboard:tweet": (("get",), lambda o: {"tweet_id": o.tweet.pk}),
    "dashboard:tweet_samples_csv": (("get",), lambda o: {"tweet_id": o.tweet.pk}),
    "dashboard:api_tweet_series": (("get",), lambda o: {"tweet_id": o.tweet.pk}),
    "dashboard:api_tweet_gains": (("get",), lambda o: {"tweet_id": o.tweet.pk}),
    "dashboard:api_tweet_video": (("get",), lambda o: {"tweet_id": o.tweet.pk}),
    "notifications:toggle": (("post",), lambda o: {"pk": webhook_of(o.account.owner).pk}),
    "notifications:remove": (("post",), lambda o: {"pk": webhook_of(o.account.owner).pk}),
    "alerts:rules": (("get", "post"), lambda o: {"account_id": o.account.pk}),
    "alerts:edit": (("get", "post"), lambda o: alert_rule_kwargs(o.account)),
    "alerts:delete": (("post",), lambda o: alert_rule_kwargs(o.account)),
}
# Dashboard URLs whose ids come in the query string (account=..., ids=...).
ID_IN_QUERY = {
    "dashboard:overview": lambda o: {"account": o.account.pk},
    "dashboard:overview_csv": lambda o: {"account": o.account.pk},
    "dashboard:api_kpis": lambda o: {"account": o.account.pk},
    "dashboard:api_series": lambda o: {"account": o.account.pk},
    "dashboard:api_engagements": lambda o: {"account": o.account.pk},
    "dashboard:api_audience": lambda o: {"account": o.account.pk},
    "dashboard:audience_csv": lambda o: {"account": o.account.pk},
    "dashboard:timing": lambda o: {"account": o.account.pk},
    "dashboard:api_timing": lambda o: {"account": o.account.pk},
    "dashboard:timing_csv": lambda o: {"account": o.account.pk},
    "dashboard:api_top_tweets": lambda o: {"account": o.account.pk},
    "dashboard:compare": lambda o: {"ids": o.tweet.pk},
    "dashboard:api_compare": lambda o: {"ids": o.tweet.pk},
}
TAKES_NO_ID = {"dashboard:settings"}
# Path parameters that name no object of anyone's, each with why it needs no outsider test.
NOT_AN_OBJECT_ID = {
    "reports:preview": "a frequency (daily / weekly / monthly) of the person's own report",
    "reports:unsubscribe": "a signed one-click token: the link itself is the credential",
    "signup_invited": "a signed invitation token: the mailed link itself is the credential",
    "confirm_email": "a signed confirmation token: the mailed link itself is the credential",
}
OURS = ("dashboard", "accounts")
NOW = datetime(2026, 11, 3, 12, tzinfo=UTC)


def alert_rule_kwargs(account) -> dict:
    """The path parameters of the account's alert rule, made on first use."""
    rule = AlertRule.objects.filter(account=account).first()
    if rule is None:
        rule = AlertRule.objects.create(account=account, kind="threshold", threshold=1000)
    return {"account_id": account.pk, "rule_id": rule.pk}


def webhook_of(owner) -> Destination:
    """The owner's Slack destination for alerts, made on first use."""
    hook = Destination.objects.filter(user=owner, kind=Destination.Kind.SLACK).first()
    if hook is None:
        hook = Destination(user=owner, kind=Destination.Kind.SLACK, name="Team channel")
        hook.set_url("https://hooks.slack.com/services/T0/B0/secretpart")
        hook.save()
    return hook


def url_patterns(resolver=None, namespace="", params=()):
    """(name, path parameters) of every URL pattern, admin excluded, recursively."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        found = (*params, *entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith("admin/"):
                continue
            inner = ":".join(filter(None, (namespace, entry.namespace)))
            yield from url_patterns(entry, inner, found)
        elif isinstance(entry, URLPattern) and entry.name:
            yield ":".join(filter(None, (namespace, entry.name))), set(found)


class Objects:
    """alice's account with one video Tweet, its samples and rollups, shared with dana and
    with an invited address."""

    def __init__(self, owner):
        now = NOW
        self.account = XAccount.objects.create(
            owner=owner, x_user_id="1700000000000000991", username="alice_bakes", auth_kind="oauth2"
        )
        dana = type(owner).objects.create_user("dana", "dana@example.com")
        self.access = AccountAccess.objects.create(account=self.account, user=dana)
        invitation = Invitation.objects.create(email="erin@example.com", invited_by=owner)
        self.pending = PendingAccess.objects.create(invitation=invitation, account=self.account)
        self.tweet = Tweet.objects.create(
            id=2117000000000000991,
            account=self.account,
            text="alice's secret sourdough",
            created_at=now - timedelta(hours=3),
            last_polled_at=now,
            last_sampled_at=now,
        )
        TweetSample.objects.create(tweet=self.tweet, captured_at=now, impressions=120, likes=3)
        video = Media.objects.create(
            media_key="7_991", account=self.account, type="video", last_sampled_at=now
        )
        self.tweet.media.add(video)
        VideoSample.objects.create(media=video, captured_at=now, views=9, playback_0=10)
        HourlyRollup.objects.create(
            account=self.account,
            bucket=now.replace(minute=0, second=0, microsecond=0),
            context="total",
            impressions=120,
        )
        XAccount.objects.filter(pk=self.account.pk).update(last_poll_at=now)
        PollRun.objects.create(account=self.account, outcome=PollRun.Outcome.OK)


@pytest.fixture
def alices(alice):
    return Objects(alice)


def test_every_url_with_an_id_is_classified():
    patterns = dict(url_patterns())
    unclassified = [
        name
        for name, params in patterns.items()
        if params and name not in ID_IN_PATH and name not in NOT_AN_OBJECT_ID
    ]
    assert unclassified == [], "add an outsider case to ID_IN_PATH for these URLs"
    dashboard = [name for name in patterns if name.startswith("dashboard:")]
    unknown = set(dashboard) - set(ID_IN_PATH) - set(ID_IN_QUERY) - TAKES_NO_ID
    assert unknown == set(), "classify these dashboard URLs (id in path, in query, or none)"
    # The tables name only URLs that exist (a renamed URL must not leave a dead case).
    ours = [n for n in (*ID_IN_PATH, *ID_IN_QUERY, *TAKES_NO_ID) if n.split(":")[0] in OURS]
    assert set(ours) <= set(patterns)
    assert {n for n, p in patterns.items() if n in ID_IN_PATH and not p} == set()


def test_an_outsider_gets_404_for_every_url_with_an_id_in_its_path(alices, client, alice, charlie):
    client.force_login(charlie)
    for name, (methods, kwargs) in ID_IN_PATH.items():
        url = reverse(name, kwargs=kwargs(alices))
        for method in methods:
            answer = getattr(client, method)(url)
            assert answer.status_code == 404, f"{method.upper()} {url} as charlie"
    # The same ids are valid: alice gets her pages (so the 404s above were about ownership).
    client.force_login(alice)
    for name, (methods, kwargs) in ID_IN_PATH.items():
        url = reverse(name, kwargs=kwargs(alices))
        for method in methods:
            answer = getattr(client, method)(url)  # unlink's POST without a choice: the form
            assert answer.status_code in (200, 302), f"{method.upper()} {url} as alice"
    assert XAccount.objects.filter(pk=alices.account.pk).exists()


def test_an_outsider_gets_404_for_every_id_in_a_query(alices, client, alice, charlie):
    client.force_login(charlie)
    for name, params in ID_IN_QUERY.items():
        answer = client.get(reverse(name), params(alices))
        assert answer.status_code == 404, f"{name} as charlie"
    client.force_login(alice)
    for name, params in ID_IN_QUERY.items():
        answer = client.get(reverse(name), params(alices))
        assert answer.status_code == 200, f"{name} as alice"


def test_all_accounts_means_the_persons_own(alices, client, charlie):
    client.force_login(charlie)
    page = client.get("/dashboard/").content.decode()
    assert "Link an account" in page and "alice_bakes" not in page
    for path in ("/dashboard/api/top-tweets.json", "/dashboard/api/kpis.json"):
        body = client.get(path).json()
        assert body.get("tweets", []) == [] and body["as_of"] is None
        assert all(k["value"] is None for k in body.get("kpis", []))
    assert "secret sourdough" not in client.get("/dashboard/compare/").content.decode()
    assert client.get("/dashboard/overview.csv").content.decode().count("\n") == 1  # header


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/dashboard/tweets/99999999999999999999999/", 404),  # no URL matches
        ("/dashboard/api/tweets/9223372036854775808/series.json", 404),  # over the bigint range
        ("/accounts/9223372036854775808/unlink/", 404),
        ("/dashboard/?account=9223372036854775808", 400),  # cannot be an id at all
        ("/dashboard/api/compare.json?ids=9223372036854775808", 400),
    ],
)
def test_out_of_range_ids_are_404_or_400_never_500(path, status, alices, client, alice):
    client.force_login(alice)
    assert client.get(path).status_code == status
