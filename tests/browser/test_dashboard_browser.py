"""The dashboard in a real browser: each chart is drawn and carries the database's numbers,
pages load nothing from other hosts, and a screenshot of each page is kept under
tests/screenshots/ (git-ignored)."""

from datetime import datetime, timedelta

import pytest
from django.db.models import Sum

from accounts.models import Profile
from tests.conftest import PASSWORD
from tweets import periods, polling, rollups
from tweets.metrics import ENGAGEMENT_FORMULA, ENGAGEMENT_PARTS, ROLLUP_COLUMNS, TWEET_METRICS
from tweets.models import HourlyRollup, Tweet, TweetSample, VideoSample

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(clock, link, alice):
    """@sandbox_demo, linked by alice (who lives in Berlin) and polled for five hours."""
    Profile.objects.create(user=alice, timezone="Europe/Berlin")
    account = link("sandbox_demo")
    polling.poll_account(account)
    for _ in range(5):
        clock.advance(3600)
        polling.poll_account(account)
    account.refresh_from_db()
    return account


def shown(tab, *chart_ids) -> dict:
    charts = tab.charts(*chart_ids)
    for chart_id, chart in charts.items():
        assert chart["same"], f"{chart_id}: not the registered chart"
        assert chart["width"] > 0 and chart["painted"] > 500, f"{chart_id} is not drawn"
    return charts


def test_overview_charts_carry_the_rollups(demo, tab):
    tab.sign_in("alice", PASSWORD)
    tab.open("/dashboard/?period=7")
    charts = shown(tab, "impressions-chart", "engagements-chart")
    data = tab.page_data("overview-data")
    period = periods.Period(
        *(datetime.fromisoformat(data["series"]["period"][k]) for k in ("start", "end"))
    )
    # Impressions per hour: each stacked dataset equals the hourly rollups of its context.
    by_label = {d["label"]: d["data"] for d in charts["impressions-chart"]["datasets"]}
    starts = [datetime.fromisoformat(s) for s in data["series"]["starts"]]
    assert len(starts) == len(charts["impressions-chart"]["labels"]) == 7 * 24
    for label, context in (("Organic", "organic"), ("Promoted", "promoted")):
        rows = dict(
            HourlyRollup.objects.filter(
                account=demo, context=context, bucket__gte=period.start, bucket__lt=period.end
            ).values_list("bucket", "impressions")
        )
        drawn = dict(zip(starts, by_label[label], strict=True))
        assert {start: drawn[start] for start in rows} == rows
        assert sum(v or 0 for v in by_label[label]) == sum(rows.values()) > 0
        print(f"overview {label.lower()} impressions (7 days): {sum(rows.values())}")
    total = HourlyRollup.objects.filter(
        account=demo, context="total", bucket__gte=period.start, bucket__lt=period.end
    ).aggregate(**{name: Sum(name) for name in ROLLUP_COLUMNS})
    stacked = sum(sum(v or 0 for v in values) for values in by_label.values())
    assert stacked == total["impressions"]
    # Engagements by kind: the period's sums of each kind.
    this_period = charts["engagements-chart"]["datasets"][0]["data"]
    assert this_period == [total[name] for name in ENGAGEMENT_PARTS]
    print("engagements by kind:", dict(zip(ENGAGEMENT_PARTS, this_period, strict=True)))
    # The KPI card says the same number, formatted.
    card = tab.page.locator("[data-kpi=impressions] .kpi-value").inner_text()
    assert card == f"{total['impressions']:,}"
    assert tab.page.get_by_text(ENGAGEMENT_FORMULA, exact=False).count() == 1
    assert tab.page.get_by_text("Sandbox data").count() >= 1
    tab.screenshot("overview")

    # At phone width nothing overflows sideways, and the charts are still drawn.
    tab.page.set_viewport_size({"width": 390, "height": 844})
    tab.open("/dashboard/?period=30")
    shown(tab, "impressions-chart", "engagements-chart")
    assert tab.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tab.screenshot("overview-phone")
    assert tab.foreign_requests() == []
    assert tab.errors == []


def test_tweet_page_and_video_funnel(demo, tab):
    video = (
        Tweet.objects.filter(account=demo, media__type="video", media__samples__isnull=False)
        .order_by("-created_at")
        .first()
    )
    samples = list(TweetSample.objects.filter(tweet=video).order_by("captured_at"))
    tab.sign_in("alice", PASSWORD)
    tab.open(f"/dashboard/tweets/{video.pk}/")
    curves = [f"cumulative-{m.name}" for m in TWEET_METRICS]
    charts = shown(tab, *curves, "gains-chart", "split-chart", "funnel-0", "views-0")
    # Every curve is the Tweet's samples in order, the last value held until the last poll.
    for name in [m.name for m in TWEET_METRICS]:
        points = charts[f"cumulative-{name}"]["datasets"][0]["data"]
        expected = [getattr(s, name) for s in samples]
        assert [p["y"] for p in points][: len(expected)] == expected
        assert points[-1]["y"] == expected[-1]
    ages = [p["x"] for p in charts["cumulative-impressions"]["datasets"][0]["data"]]
    assert ages[0] == pytest.approx(
        (samples[0].captured_at - video.created_at) / timedelta(hours=1), abs=1e-3
    )
    # Gains per hour add up to the latest total (the first sample counts from zero).
    gains = charts["gains-chart"]["datasets"][0]["data"]
    assert sum(g or 0 for g in gains) == samples[-1].impressions
    print(f"tweet {video.pk}: {len(samples)} samples, impressions {samples[-1].impressions}")
    split = {d["label"]: d["data"] for d in charts["split-chart"]["datasets"]}
    assert split["Organic"][-1]["y"] == samples[-1].organic_impressions
    # The quartile funnel is the video's latest sample.
    media = video.media.get(type="video")
    latest = VideoSample.objects.filter(media=media).latest("captured_at")
    funnel = charts["funnel-0"]["datasets"][0]["data"]
    assert charts["funnel-0"]["labels"] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    assert funnel == [getattr(latest, step.name) for step in rollups.FUNNEL_STEPS]
    assert funnel == sorted(funnel, reverse=True) and funnel[0] > 0
    print("video funnel:", funnel, "retention:", [round(v / funnel[0], 3) for v in funnel])
    views = charts["views-0"]["datasets"][0]["data"]
    assert views[-1]["y"] == latest.views
    retention = tab.page.locator("table.numbers >> text=100 %").first
    assert retention.is_visible()
    tab.screenshot("tweet")
    tab.screenshot("tweet-video-funnel", "section:has(#video-0-heading)")
    assert tab.foreign_requests() == []
    assert tab.errors == []


def test_compare_overlays_tweets_by_age(demo, tab):
    tweets = list(Tweet.objects.filter(account=demo, kind="original").order_by("-created_at")[:3])
    ids = ",".join(str(t.pk) for t in tweets)
    tab.sign_in("alice", PASSWORD)
    tab.open(f"/dashboard/compare/?ids={ids}&window=30d")
    chart = shown(tab, "compare-chart")["compare-chart"]
    assert len(chart["datasets"]) == 3
    for tweet, dataset in zip(tweets, chart["datasets"], strict=True):
        values = list(
            TweetSample.objects.filter(tweet=tweet)
            .order_by("captured_at")
            .values_list("impressions", flat=True)
        )
        drawn = [point["y"] for point in dataset["data"]]
        assert drawn[: len(values)] == values and drawn[-1] == values[-1]
        print(f"compare {tweet.pk}: impressions {values}")
    tab.screenshot("compare")
    # Normalised: each curve ends at 1 (its final value).
    tab.open(f"/dashboard/compare/?ids={ids}&window=30d&scale=normalised")
    chart = shown(tab, "compare-chart")["compare-chart"]
    assert [d["data"][-1]["y"] for d in chart["datasets"]] == [1, 1, 1]
    tab.screenshot("compare-normalised")
    assert tab.foreign_requests() == []
    assert tab.errors == []
