"""Sessions are read from the cache with the database behind it (metricsdash/sessions.py):
a page reads no session row, a session the cache lost still signs the person in, and
signing out ends it in both."""

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metricsdash.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_page_reads_the_session_from_the_cache_not_the_database(client, alice):
    client.force_login(alice)
    with CaptureQueriesContext(connection) as done:
        assert client.get("/dashboard/settings/").status_code == 200
    statements = [query["sql"] for query in done.captured_queries]
    assert not [sql for sql in statements if "django_session" in sql], statements
    assert Session.objects.filter(session_key=client.session.session_key).exists()


def test_a_session_the_cache_lost_still_signs_in_and_is_cached_again(client, alice):
    client.force_login(alice)
    key = client.session.session_key
    cache.delete(SessionStore.cache_key_prefix + key)

    assert client.get("/dashboard/settings/").status_code == 200  # not sent to sign in
    assert cache.get(SessionStore.cache_key_prefix + key) is not None


def test_signing_out_ends_the_session_in_the_cache_and_the_database(client, alice):
    client.force_login(alice)
    key = client.session.session_key
    client.post(reverse("logout"))

    assert cache.get(SessionStore.cache_key_prefix + key) is None
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get("/dashboard/settings/").status_code == 302
