"""The alert rules page: the owner and managers add, change and delete an account's rules;
a viewer gets a 403 saying who may, an outsider a 404; bad input is a form error."""

import pytest
from django.urls import reverse

from accounts.models import AccountAccess, XAccount
from alerts.models import AlertRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(alice):
    return XAccount.objects.create(
        owner=alice, x_user_id="42", username="alice_bakes", auth_kind="oauth2"
    )


def test_a_manager_adds_changes_and_deletes_rules(client, account, bob):
    AccountAccess.objects.create(account=account, user=bob, role="manager")
    client.force_login(bob)
    url = reverse("alerts:rules", args=[account.pk])

    answer = client.post(
        url,
        {
            "kind": "spike",
            "metric": "impressions",
            "factor": "4",
            "threshold": "99",
            "enabled": "on",
        },
    )
    assert answer.status_code == 302
    rule = AlertRule.objects.get(account=account)
    assert (rule.kind, rule.factor, rule.threshold, rule.created_by) == ("spike", 4, None, bob)
    page = client.get(url).content.decode()
    assert "a Tweet&#x27;s impressions at 4 times the usual at its age" in page

    edit = reverse("alerts:edit", args=[account.pk, rule.pk])
    answer = client.post(edit, {"kind": "threshold", "metric": "likes", "threshold": "500"})
    assert answer.status_code == 302
    rule.refresh_from_db()
    assert (rule.kind, rule.metric, rule.factor, rule.threshold, rule.enabled) == (
        "threshold",
        "likes",
        None,
        500,
        False,
    )
    assert client.post(reverse("alerts:delete", args=[account.pk, rule.pk])).status_code == 302
    assert not AlertRule.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"kind": "spike", "metric": "impressions"}, "A spike rule needs k"),
        ({"kind": "threshold", "metric": "impressions", "factor": "3"}, "needs the number"),
        (
            {"kind": "spike", "metric": "impressions", "factor": "0.5"},
            "greater than or equal to 1.1",
        ),
        ({"kind": "spike", "metric": "impressions", "factor": "1e400"}, "digits"),
        (
            {"kind": "threshold", "metric": "impressions", "threshold": "-1"},
            "greater than or equal",
        ),
        ({"kind": "sudden", "metric": "impressions", "factor": "3"}, "Select a valid choice"),
        ({"kind": "spike", "metric": "followers; DROP", "factor": "3"}, "Select a valid choice"),
    ],
)
def test_bad_rules_are_form_errors(client, alice, account, data, error):
    client.force_login(alice)
    answer = client.post(reverse("alerts:rules", args=[account.pk]), data)
    assert answer.status_code == 200
    assert error in answer.content.decode()
    assert not AlertRule.objects.exists()


def test_an_account_has_at_most_twenty_rules(client, alice, account):
    AlertRule.objects.bulk_create(
        [AlertRule(account=account, kind="threshold", threshold=n) for n in range(1, 21)]
    )
    client.force_login(alice)
    data = {"kind": "threshold", "metric": "impressions", "threshold": "99"}
    answer = client.post(reverse("alerts:rules", args=[account.pk]), data)
    assert "at most 20 rules" in answer.content.decode()
    assert AlertRule.objects.filter(account=account).count() == 20


def test_a_viewer_is_refused_and_an_outsider_finds_nothing(client, account, bob, charlie):
    AccountAccess.objects.create(account=account, user=bob, role="viewer")
    rule = AlertRule.objects.create(account=account, kind="threshold", threshold=10)
    urls = [
        ("get", reverse("alerts:rules", args=[account.pk])),
        ("post", reverse("alerts:rules", args=[account.pk])),
        ("get", reverse("alerts:edit", args=[account.pk, rule.pk])),
        ("post", reverse("alerts:edit", args=[account.pk, rule.pk])),
        ("post", reverse("alerts:delete", args=[account.pk, rule.pk])),
    ]
    for person, status in ((bob, 403), (charlie, 404)):
        client.force_login(person)
        for method, url in urls:
            answer = getattr(client, method)(url, {"kind": "threshold", "threshold": "1"})
            assert answer.status_code == status, (person, method, url)
    rule.refresh_from_db()
    assert rule.threshold == 10


def test_a_rule_is_reached_only_through_its_own_account(client, alice, account):
    other = XAccount.objects.create(
        owner=alice, x_user_id="43", username="alice_two", auth_kind="oauth2"
    )
    rule = AlertRule.objects.create(account=other, kind="threshold", threshold=10)
    client.force_login(alice)
    assert client.get(reverse("alerts:edit", args=[account.pk, rule.pk])).status_code == 404
    assert client.post(reverse("alerts:delete", args=[account.pk, rule.pk])).status_code == 404
    assert AlertRule.objects.filter(pk=rule.pk).exists()
