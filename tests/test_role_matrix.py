"""The role matrix: owner, manager, viewer and outsider against every URL that names an
account or a Tweet, generated from the URLconf.

RIGHTS gives, for each such URL and method, the least role that may use it and the status
that use answers. Every named URL outside the admin is in RIGHTS or, with why, in
NAMES_NO_ACCOUNT: a URL added later without an entry fails the suite. Each role then makes
every request of the table and must get exactly: the allowed status at or above the least
role, 403 (saying who may) below it, and 404 as an outsider, who never learns the account
exists. Removing or changing an access holds from the very next request.

The world (one account with a video Tweet, its samples, rollups and a poll run, shared
with a manager, two viewers and an invited address) is built once for the module; each
test's changes are rolled back.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import AccountAccess, Invitation, XAccount
from tests.dashboard.test_outsiders import Objects, alert_rule_kwargs, url_patterns

pytestmark = pytest.mark.django_db

OWNER, MANAGER, VIEWER, OUTSIDER = "owner", "manager", "viewer", "outsider"
RANK = {OUTSIDER: 0, VIEWER: 1, MANAGER: 2, OWNER: 3}
PEOPLE = {OWNER: "olive", MANAGER: "manny", VIEWER: "vera", OUTSIDER: "otto"}


@dataclass(frozen=True)
class Case:
    """One request: its method, the least role allowed, and what an allowed one answers."""

    method: str
    least: str
    ok: int
    data: Callable = lambda w: {}


def account(w) -> dict:
    return {"account_id": w.account.pk}


def tweet(w) -> dict:
    return {"tweet_id": w.tweet.pk}


def ids_in_query(w) -> dict:
    return {}  # no path parameters: the account or Tweet ids come in the query


def dana(w) -> dict:
    return {"account_id": w.account.pk, "access_id": w.access.pk}


A_RULE = {"kind": "threshold", "metric": "impressions", "threshold": "500"}


def page(least=VIEWER, query=lambda w: {"account": w.account.pk}):
    return (Case("get", least, 200, query),)


# URL name -> (path kwargs, the cases). In order: the owner's changes to dana's access
# come last, so that what they remove is not needed after them.
RIGHTS: dict[str, tuple[Callable, tuple[Case, ...]]] = {
    **{
        f"dashboard:{name}": (ids_in_query, page())
        for name in (
            "overview",
            "overview_csv",
            "api_kpis",
            "api_series",
            "api_engagements",
            "api_audience",
            "audience_csv",
            "api_top_tweets",
            "timing",
            "timing_csv",
            "api_timing",
        )
    },
    "dashboard:compare": (ids_in_query, page(query=lambda w: {"ids": w.tweet.pk})),
    "dashboard:api_compare": (ids_in_query, page(query=lambda w: {"ids": w.tweet.pk})),
    **{
        f"dashboard:{name}": (tweet, page(query=lambda w: {}))
        for name in (
            "tweet",
            "tweet_samples_csv",
            "api_tweet_series",
            "api_tweet_gains",
            "api_tweet_video",
        )
    },
    "alerts:rules": (
        account,
        (Case("get", MANAGER, 200), Case("post", MANAGER, 302, lambda w: A_RULE)),
    ),
    "alerts:edit": (
        lambda w: alert_rule_kwargs(w.account),
        (Case("get", MANAGER, 200), Case("post", MANAGER, 302, lambda w: A_RULE)),
    ),
    "alerts:delete": (lambda w: alert_rule_kwargs(w.account), (Case("post", MANAGER, 302),)),
    "accounts:poll_now": (account, (Case("post", MANAGER, 302),)),
    "accounts:pause": (account, (Case("post", MANAGER, 302),)),
    "accounts:resume": (account, (Case("post", MANAGER, 302),)),
    # A POST without a choice shows the form again: nothing is unlinked.
    "accounts:unlink": (account, (Case("get", OWNER, 200), Case("post", OWNER, 200))),
    "accounts:sharing": (
        account,
        (
            Case("get", OWNER, 200),
            Case("post", OWNER, 302, lambda w: {"who": "dana", "role": "manager"}),
        ),
    ),
    "accounts:change_role": (dana, (Case("post", OWNER, 302, lambda w: {"role": "viewer"}),)),
    "accounts:withdraw_invitation": (
        lambda w: {"account_id": w.account.pk, "pending_id": w.pending.pk},
        (Case("post", OWNER, 302),),
    ),
    "accounts:remove_access": (dana, (Case("post", OWNER, 302),)),
}
# Every other URL, and why it names no account or Tweet of anyone's.
NAMES_NO_ACCOUNT = {
    "home": "a redirect to the overview",
    "login": "the person's own session",
    "logout": "the person's own session",
    "signup": "makes a new person",
    "password_change": "the person's own password",
    "signup_invited": "a signed invitation: the mailed link is the credential",
    "confirm_email": "a signed confirmation: the mailed link is the credential",
    "reports:unsubscribe": "a signed one-click token: the link is the credential",
    "accounts:list": "lists the accounts the person may see (tests/accounts/test_sharing.py)",
    "accounts:link_oauth1": "links the X account the person signs in to on X",
    "accounts:link_oauth2": "links the X account the person signs in to on X",
    "accounts:oauth1_callback": "finishes the person's own link flow (state in the session)",
    "accounts:oauth2_callback": "finishes the person's own link flow (state in the session)",
    "reports:settings": "account ids are form choices limited to the person's visible accounts "
    "(tests/accounts/test_sharing.py)",
    "reports:preview": "a frequency of the person's own report",
    "reports:resend_confirmation": "the person's own address",
    "dashboard:settings": "the person's own timezone",
    **{
        f"notifications:{name}": "the person's own alert destinations and quiet hours"
        for name in ("settings", "add", "toggle", "remove", "quiet_hours", "test")
    },
}


class World(Objects):
    """Olive's account (tests/dashboard/test_outsiders.Objects: a video Tweet, samples,
    rollups, a poll run, dana as viewer and an invited address), with manny as manager,
    vera as viewer and otto, who has no access."""

    def __init__(self):
        users = get_user_model().objects
        self.people = {role: users.create_user(name) for role, name in PEOPLE.items()}
        super().__init__(self.people[OWNER])
        for role in (MANAGER, VIEWER):
            AccountAccess.objects.create(account=self.account, user=self.people[role], role=role)

    @staticmethod
    def remove() -> None:
        """Delete the world (its people take their accounts, Tweets and accesses along)."""
        Invitation.objects.filter(invited_by__username=PEOPLE[OWNER]).delete()
        get_user_model().objects.filter(username__in=[*PEOPLE.values(), "dana"]).delete()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        World.remove()  # what an interrupted run (with --reuse-db) may have left
        built = World()
        yield built
        World.remove()
        assert not XAccount.objects.filter(pk=built.account.pk).exists()


def signed_in(world, role) -> Client:
    client = Client()
    client.force_login(world.people[role])
    return client


def expected(role: str, case: Case) -> int:
    if role == OUTSIDER:
        return 404
    return case.ok if RANK[role] >= RANK[case.least] else 403


def test_every_url_is_in_the_table():
    names = {name for name, _ in url_patterns()}
    missing = names - set(RIGHTS) - set(NAMES_NO_ACCOUNT)
    assert missing == set(), "add these URLs to RIGHTS (or, with why, to NAMES_NO_ACCOUNT)"
    assert set(RIGHTS) & set(NAMES_NO_ACCOUNT) == set()
    assert (set(RIGHTS) | set(NAMES_NO_ACCOUNT)) - names == set(), "these URLs are gone"
    # Whatever names an account or a Tweet in its path is in the matrix.
    with_ids = {name for name, params in url_patterns() if params & {"account_id", "tweet_id"}}
    assert with_ids <= set(RIGHTS)


@pytest.mark.parametrize("role", [OWNER, MANAGER, VIEWER, OUTSIDER])
def test_each_role_gets_exactly_its_rights(role, world):
    client = signed_in(world, role)
    wrong, answered = [], Counter()
    for name, (kwargs, cases) in RIGHTS.items():
        url = reverse(name, kwargs=kwargs(world))
        for case in cases:
            answer = getattr(client, case.method)(url, case.data(world))
            want = expected(role, case)
            answered[answer.status_code] += 1
            if answer.status_code != want:
                wrong.append(f"{case.method.upper()} {url}: {answer.status_code}, not {want}")
            elif want == 403:
                assert b"Only its owner" in answer.content, url  # says who may
    print(f"{role}: {sum(answered.values())} requests, by status {dict(sorted(answered.items()))}")
    assert wrong == [], f"{role} got the wrong status"


def test_removing_access_holds_on_the_next_request(world):
    viewer, owner = signed_in(world, VIEWER), signed_in(world, OWNER)
    page = reverse("dashboard:tweet", kwargs=tweet(world))
    assert viewer.get(page).status_code == 200
    vera = world.account.accesses.get(user=world.people[VIEWER])
    removal = reverse("accounts:remove_access", kwargs={**account(world), "access_id": vera.pk})
    assert owner.post(removal).status_code == 302
    assert viewer.get(page).status_code == 404
    overview = reverse("dashboard:overview")
    assert viewer.get(overview, {"account": world.account.pk}).status_code == 404
    assert b"alice_bakes" not in viewer.get(reverse("accounts:list")).content


def test_a_new_role_holds_on_the_next_request(world):
    viewer, owner = signed_in(world, VIEWER), signed_in(world, OWNER)
    pause = reverse("accounts:pause", kwargs=account(world))
    assert viewer.post(pause).status_code == 403
    vera = world.account.accesses.get(user=world.people[VIEWER])
    change = reverse("accounts:change_role", kwargs={**account(world), "access_id": vera.pk})
    assert owner.post(change, {"role": "manager"}).status_code == 302
    assert viewer.post(pause).status_code == 302
    world.account.refresh_from_db()
    assert world.account.state == XAccount.State.PAUSED
    assert world.account.state_reason == "Paused by vera."
