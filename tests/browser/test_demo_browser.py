"""The demo shows curves from birth: seeded as `seed_demo` seeds it (metricsdash/demo.py),
into the test database against the test sandbox, every Tweet on the overview's top-Tweets
table has a cumulative impressions curve that starts at 0 at its posting."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from metricsdash import demo
from sandbox.world import HISTORY
from tests.conftest import Clock
from tweets.models import Tweet

pytestmark = pytest.mark.django_db(transaction=True)

# Days of the world's history at the test's "now": all of it is backfilled, in seconds.
DAYS = 4


@pytest.fixture
def demo_password(x_api, live_server, settings, tmp_path):
    """The demo seeded at four days into the sandbox world's history; its login's password."""
    settings.VAR_DIR = tmp_path
    clock = Clock(x_api, x_api.world.epoch - HISTORY + timedelta(days=DAYS))
    password = demo.demo_login(tmp_path)
    account = demo.link(x_api.running, host=urlsplit(live_server.url).netloc)
    demo.backfill(x_api.running, account, clock.now())
    yield password
    clock.stop()
    x_api.control("POST", "clock", {"real": True})


def test_every_top_tweet_curve_starts_at_zero_at_posting(demo_password, tab):
    tab.sign_in(demo.DEMO_USERNAME, demo_password)
    tab.open(reverse("dashboard:overview"))
    ids = tab.page.eval_on_selector_all(
        "table.top-tweets tbody input[name=ids]", "boxes => boxes.map(box => box.value)"
    )
    assert len(ids) >= 20
    # A repost shows its original's public counts from its first second, as X gives them.
    reposts = {
        str(pk)
        for pk in Tweet.objects.filter(pk__in=ids, kind=Tweet.Kind.RETWEET).values_list(
            "pk", flat=True
        )
    }
    for tweet_id in ids:
        if tweet_id in reposts:
            continue
        tab.open(reverse("dashboard:tweet", args=[tweet_id]))
        curve = tab.charts("cumulative-impressions")["cumulative-impressions"]
        points = curve["datasets"][0]["data"]
        first, last = points[0], points[-1]
        # Samples are taken at whole seconds, ages shown to 0.0001 h: zero is within that.
        assert abs(first["x"]) <= 0.0003, f"{tweet_id}: first sample at {first['x']} h"
        assert first["y"] == 0, f"{tweet_id}: {first['y']} impressions at posting"
        assert last["y"] > 0 and last["x"] > 0
    print(f"{len(ids) - len(reposts)} Tweets start at zero ({len(reposts)} reposts skipped)")
    assert len(ids) - len(reposts) >= 15
    assert tab.errors == []
