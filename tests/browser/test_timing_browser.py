"""The best-time-to-post page in chromium: the heatmap is drawn with the stylesheet's
shades, names the sandbox's best slots, and nothing is requested from another host."""

from datetime import timedelta

import pytest
import time_machine

from accounts.models import Profile, XAccount
from tests.conftest import PASSWORD
from tests.tweets.test_timing import write_world_history
from tweets.timing import WEEKDAYS

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_heatmap_is_drawn_and_names_the_best_slots(sandbox, alice, tab):
    world = sandbox.world
    now = world.epoch + timedelta(days=30)
    user = world.user_by_username("sandbox_demo")
    Profile.objects.create(user=alice, timezone=world.timezone("sandbox_demo"))
    account = XAccount.objects.create(
        owner=alice, x_user_id=user.id, username=user.username, auth_kind="oauth2", sandbox=True
    )
    write_world_history(world, account, now)
    with time_machine.travel(now, tick=False):
        tab.sign_in("alice", PASSWORD)
        tab.open("/dashboard/timing/")
        sentence = tab.page.locator(".best-slots").inner_text()
        for slot in world.best_slots("sandbox_demo"):
            assert f"{WEEKDAYS[slot.weekday]} {slot.hour:02d}:00-" in sentence, sentence
        assert tab.page.locator("table.heatmap tbody tr").count() == 7
        shaded = tab.page.evaluate(
            """() => [...document.querySelectorAll('table.heatmap td[class^="heat-"]')]
                .filter(td => /^heat-[0-9]$/.test(td.className))
                .map(td => getComputedStyle(td).backgroundColor)"""
        )
        assert len(shaded) >= 3 and len(set(shaded)) >= 3, shaded
        assert tab.page.locator("td.heat-few").count() > 0
        tab.screenshot("timing-heatmap", "table.heatmap")
        assert tab.foreign_requests() == []
