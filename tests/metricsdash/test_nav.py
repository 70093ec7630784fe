"""The main navigation (metricsdash/templatetags/site.py): every link reversed, the current
page marked, on every signed-in page; signed out, only the sign-in links."""

import re

import pytest
from django.urls import reverse

from metricsdash.templatetags.site import NAV

pytestmark = pytest.mark.django_db


def _nav(page: str) -> str:
    return page[page.index('<nav class="site-nav"') : page.index("</nav>")]


@pytest.mark.parametrize("current", ["dashboard:overview", "accounts:list", "password_change"])
def test_every_link_and_the_current_page(client, alice, current):
    client.force_login(alice)
    nav = _nav(client.get(reverse(current)).content.decode())
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>([^<]+)</a>', nav)
    assert [(href, label) for href, _, label in links] == [
        (reverse(name), label) for name, label in NAV
    ]
    marked = [label for _, mark, label in links if mark]
    assert marked == [dict(NAV)[current]]


def test_signed_out_the_navigation_offers_sign_in(client):
    nav = _nav(client.get(reverse("login")).content.decode())
    assert "Sign in" in nav and reverse("dashboard:overview") not in nav
