"""Arbitrary values at every field of the alert settings page's forms, posted at each of
its actions: a form error (400) or a redirect, never a 500 (hypothesis, the budget and
hostile values of tests/metricsdash/test_hostile_input.py)."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from notifications.models import Destination
from tests.metricsdash.test_hostile_input import BUDGET, fields, values

pytestmark = pytest.mark.django_db

ACTIONS = ("notifications:add", "notifications:quiet_hours", "notifications:test")


@pytest.mark.parametrize("name", [*ACTIONS, "notifications:toggle"])
def test_no_form_input_makes_an_action_fail(name, client, alice):
    client.force_login(alice)
    shown = fields(client.get(reverse("notifications:settings")).content.decode())
    assert {"kind", "name", "url", "enabled", "start", "end"} <= set(shown)
    choices = [value for offered in shown.values() for value in offered]
    kwargs = {"pk": Destination.email_of(alice).pk} if name == "notifications:toggle" else {}
    url = reverse(name, kwargs=kwargs)

    @BUDGET
    @given(st.dictionaries(st.sampled_from(sorted(shown)), values(*choices), min_size=1))
    def hostile(data):
        answer = client.post(url, data)
        assert answer.status_code in (200, 302, 400), (url, data, answer.status_code)
        if answer.status_code == 400:
            assert 'class="errorlist' in answer.content.decode(), (url, data)

    hostile()
