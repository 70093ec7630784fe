"""The best time to post in chromium, on its own page and on the overview: the heatmap is
drawn with the stylesheet's shades, names the sandbox's best slots, and nothing is requested
from another host."""

from datetime import timedelta

import pytest
import time_machine

from accounts.models import Profile, XAccount
from tests.conftest import PASSWORD
from tests.tweets.test_timing import write_world_history
from tweets import audience
from tweets.models import AudienceSample
from tweets.timing import WEEKDAYS

from .test_dashboard_browser import shown

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


def test_the_overview_draws_the_follower_chart_and_the_heatmap(sandbox, alice, tab):
    """Ninety days of @sandbox_demo from the sandbox's world: Tweets sampled as the poller
    would, and the followers read every six hours; the overview shows both."""
    world = sandbox.world
    now = world.epoch + timedelta(days=30)
    user = world.user_by_username("sandbox_demo")
    Profile.objects.create(user=alice, timezone=world.timezone("sandbox_demo"))
    account = XAccount.objects.create(
        owner=alice,
        x_user_id=user.id,
        username=user.username,
        auth_kind="oauth2",
        sandbox=True,
        last_poll_at=now,
    )
    write_world_history(world, account, now)
    read_at = now - timedelta(days=90)
    while read_at <= now:
        values = {column: None for column in AudienceSample.COLUMNS}
        values["followers"] = world.followers(user.id, read_at)
        audience.write_audience(account, values, read_at)
        read_at += timedelta(hours=6)

    with time_machine.travel(now, tick=False):
        tab.sign_in("alice", PASSWORD)
        tab.open("/dashboard/?period=90")
        followers = shown(tab, "followers-chart")["followers-chart"]
        drawn = [v for d in followers["datasets"] if d["label"] == "Followers" for v in d["data"]]
        measured = [v for v in drawn if v is not None]
        latest = AudienceSample.objects.filter(account=account).latest("captured_at")
        assert len(measured) >= 89 and measured[-1] == latest.followers == world.followers(
            user.id, now
        )
        card = tab.page.locator("section:has(#timing-heading)")
        assert card.locator("table.heatmap tbody tr").count() == 7
        sentence = card.locator(".best-slots").inner_text()
        for slot in world.best_slots("sandbox_demo"):
            assert f"{WEEKDAYS[slot.weekday]} {slot.hour:02d}:00-" in sentence, sentence
        shades = card.evaluate(
            """(card) => [...card.querySelectorAll('table.heatmap td')]
                .filter(td => /^heat-[0-9]$/.test(td.className))
                .map(td => getComputedStyle(td).backgroundColor)"""
        )
        assert len(shades) >= 3 and len(set(shades)) >= 3, shades
        tab.screenshot("overview-heatmap", "section:has(#timing-heading)")
        assert tab.foreign_requests() == []
        assert tab.errors == []
    print(f"\noverview: followers chart {len(measured)} points, heatmap {len(shades)} shaded cells")
