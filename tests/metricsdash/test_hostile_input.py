"""Arbitrary values at every query parameter of every dashboard page and JSON endpoint,
and at every field of every form: a 400 or a form error, never a 500 (hypothesis).

The parameters come from the dashboard's query forms (dashboard/forms.py), the form fields
from the pages themselves (every input, select and textarea a person could fill in), so a
new parameter or field is covered without an edit here. The budget is fixed and the runs
derandomised: the same examples every time, the whole file in well under a minute.
"""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import forms as dashboard_forms
from tests.dashboard.test_outsiders import Objects, alert_rule_kwargs
from tests.metricsdash.test_csrf import READ_ONLY

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 3, 12, 30, tzinfo=UTC)
BUDGET = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,  # the same examples every run; nothing written to the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Every parameter any dashboard query form reads.
QUERY_PARAMETERS = sorted(
    {
        name
        for form in vars(dashboard_forms).values()
        if isinstance(form, type) and issubclass(form, dashboard_forms.QueryForm)
        for name in form.base_fields
    }
)
DASHBOARD_URLS = sorted(name for name in READ_ONLY if name.startswith("dashboard:"))
EDGES = [
    "",
    "0",
    "-1",
    "custom",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1e309",
    "NaN",
    "inf",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "2026-11-03",
    "\x00",
    "%00",
    "'; DROP TABLE tweets_tweet; --",
    "<script>alert(1)</script>",
    ",,,",
    "1,2,3,4,5,6,7,8,9,10,11",
    "🙂" * 3,
    "x" * 5000,
]
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)


def values(*known) -> st.SearchStrategy[str]:
    """Hostile and ordinary values, with `known` (real ids, valid choices) among them."""
    return st.one_of(
        st.sampled_from([*EDGES, *map(str, known)]),
        TEXT,
        st.integers(-(2**80), 2**80).map(str),
        st.lists(st.integers(-(2**64), 2**64), max_size=4).map(lambda v: ",".join(map(str, v))),
    )


@pytest.fixture
def alices(alice, client):
    """alice signed in, with an account, a video Tweet, samples and rollups; time frozen."""
    with time_machine.travel(NOW, tick=False):
        objects = Objects(alice)
        client.force_login(alice)
        yield objects


@pytest.mark.parametrize("name", DASHBOARD_URLS)
def test_no_query_makes_a_dashboard_url_fail(name, alices, client):
    url = reverse(name, kwargs=READ_ONLY[name](alices))
    known = (alices.account.pk, alices.tweet.pk, 7, 30, 90, "asc", "impressions", "hour")

    @BUDGET
    @given(st.dictionaries(st.sampled_from(QUERY_PARAMETERS), values(*known), max_size=6))
    def hostile(query):
        answer = client.get(url, query)
        assert answer.status_code < 500, (url, query)
        if answer.status_code == 400:  # the reason is said, not just the code
            assert answer.content.strip(), (url, query)

    hostile()


def fields(page: str) -> dict[str, list[str]]:
    """Each form field a person can fill in on this page, with the values it offers."""
    found: dict[str, list[str]] = {}
    for tag in re.findall(r"<(?:input|select|textarea|option)\b[^>]*>", page):
        name = re.search(r'\bname="([^"]+)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name and name.group(1) != "csrfmiddlewaretoken":
            found.setdefault(name.group(1), [])
            if value:
                found[name.group(1)].append(value.group(1))
    return found


FORM_PAGES = {
    "signup": lambda o: reverse("signup"),
    "login": lambda o: reverse("login"),
    "password": lambda o: reverse("password_change"),
    "settings": lambda o: reverse("dashboard:settings"),
    "reports": lambda o: reverse("reports:settings"),
    "unlink": lambda o: reverse("accounts:unlink", kwargs={"account_id": o.account.pk}),
    "sharing": lambda o: reverse("accounts:sharing", kwargs={"account_id": o.account.pk}),
    "alert_rules": lambda o: reverse("alerts:rules", kwargs={"account_id": o.account.pk}),
    "alert_rule": lambda o: reverse("alerts:edit", kwargs=alert_rule_kwargs(o.account)),
}
# Forms without fields: arbitrary fields posted at them all the same.
ACTIONS = ("accounts:pause", "accounts:resume", "accounts:poll_now", "reports:preview")


@pytest.mark.parametrize("page", FORM_PAGES)
def test_no_form_input_makes_a_page_fail(page, alices, client, alice, settings):
    settings.SIGNUP = "open"  # so the sign-up form is there to fill in
    if page in ("signup", "login"):
        client.logout()
    url = FORM_PAGES[page](alices)
    shown = fields(client.get(url).content.decode())
    assert shown, f"{url} shows no form field"
    choices = [value for offered in shown.values() for value in offered]

    @BUDGET
    @given(st.dictionaries(st.sampled_from(sorted(shown)), values(*choices), min_size=1))
    def hostile(data):
        answer = client.post(url, data)
        assert answer.status_code < 500, (url, data)
        if page == "signup" and answer.status_code == 302:
            client.logout()  # a valid sign-up signs in; the next example starts signed out

    hostile()


@pytest.mark.parametrize("name", ACTIONS)
def test_no_form_input_makes_an_action_fail(name, alices, client):
    kwargs = {"frequency": "weekly"} if name == "reports:preview" else {}
    kwargs = kwargs or {"account_id": alices.account.pk}
    url = reverse(name, kwargs=kwargs)

    @BUDGET
    @given(st.dictionaries(TEXT, values(), max_size=4))
    def hostile(data):
        assert client.post(url, data).status_code < 500, (url, data)

    hostile()
