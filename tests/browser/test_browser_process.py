"""The browser is launched once per pytest process (tests/conftest.py's browser_process)
and parked between the tests that use it: a test that did not ask for `chromium` runs with
no asyncio loop marked running and Django's async-unsafe check whole."""

import asyncio
import os

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import SynchronousOnlyOperation

pytestmark = pytest.mark.django_db


def test_a_page_opens_in_the_shared_browser(chromium, live_server):
    page = chromium.new_page()
    assert page.goto(live_server.url + "/auth/login/").status == 200
    assert User.objects.count() == 0  # the ORM, allowed while the browser is in use


def test_the_parked_browser_leaves_djangos_async_check_whole(browser_process):
    with pytest.raises(RuntimeError, match="no running event loop"):
        asyncio.get_running_loop()
    assert "DJANGO_ALLOW_ASYNC_UNSAFE" not in os.environ
    assert User.objects.count() == 0  # sync ORM calls as in any test

    async def count():
        return User.objects.count()

    with pytest.raises(SynchronousOnlyOperation):
        asyncio.run(count())
