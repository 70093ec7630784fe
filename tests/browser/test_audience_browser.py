"""The follower chart in a real browser: drawn, carrying the database's numbers, with nothing
loaded from other hosts."""

from datetime import datetime

import pytest

from accounts.models import Profile
from tests.conftest import PASSWORD
from tweets import polling
from tweets.models import AudienceHourly, AudienceSample, Tweet

from .test_dashboard_browser import shown

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def followed(clock, link, alice):
    """@sandbox_demo, linked by alice (in Berlin), polled hourly for six hours."""
    Profile.objects.create(user=alice, timezone="Europe/Berlin")
    account = link("sandbox_demo")
    polling.poll_account(account)
    for _ in range(6):
        clock.advance(3600)
        polling.poll_account(account)
    account.refresh_from_db()
    return account


def test_follower_chart_carries_the_database(followed, tab):
    tab.sign_in("alice", PASSWORD)
    tab.open("/dashboard/?period=7")
    chart = shown(tab, "followers-chart")["followers-chart"]
    data = tab.page_data("overview-data")["audience"]
    starts = [datetime.fromisoformat(s) for s in data["starts"]]
    end = datetime.fromisoformat(data["period"]["end"])
    ends = [*starts[1:], end]
    assert len(chart["labels"]) == len(starts) == 7 * 24
    drawn = {d["label"]: d["data"] for d in chart["datasets"]}

    samples = list(
        AudienceSample.objects.filter(account=followed, followers__isnull=False)
        .order_by("captured_at")
        .values_list("captured_at", "followers")
    )
    hourly = dict(
        AudienceHourly.objects.filter(account=followed).values_list("bucket", "net_follows")
    )
    posted = list(
        Tweet.objects.filter(account=followed).exclude(kind="retweet").values_list("created_at")
    )
    for i, (start, stop) in enumerate(zip(starts, ends, strict=True)):
        if start > followed.last_poll_at:
            assert drawn["Followers"][i] is None and drawn["Net follows"][i] is None
            continue
        before = [followers for at, followers in samples if at < stop]
        assert drawn["Followers"][i] == (before[-1] if before else None), start
        assert drawn["Net follows"][i] == hourly.get(start, 0), start
        posts = sum(1 for (at,) in posted if start <= at < stop)
        assert drawn["Tweets posted"][i] == (drawn["Followers"][i] if posts else None), start
    measured = [v for v in drawn["Followers"] if v is not None]
    assert measured[-1] == samples[-1][1]
    assert sum(v or 0 for v in drawn["Net follows"]) == sum(hourly.values())
    assert sum(1 for v in drawn["Tweets posted"] if v is not None) > 0
    print(
        f"followers drawn: {measured[0]} -> {measured[-1]}, net follows {sum(hourly.values())},"
        f" {len(samples)} samples"
    )
    card = tab.page.locator("[data-kpi=net_follows] .kpi-value").inner_text()
    assert card == f"{sum(hourly.values()):,}"
    tab.screenshot("overview-followers", "section:has(#followers-heading)")
    assert tab.foreign_requests() == []
    assert tab.errors == []
