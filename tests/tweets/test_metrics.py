"""Adding a metric is one registry entry plus a migration: every list follows tweets.metrics.

The models' columns, the poller's parsing and rollup mapping, and the report's CSV are all
built from TWEET_METRICS and VIDEO_METRICS; these tests fail if any of them restates a list
of its own, and show that a new Metric flows through without touching other code.
"""

from django.db import models
from django.test.utils import isolate_apps

from reports.content import CSV_COLUMNS
from tweets import polling
from tweets.metrics import (
    ENGAGEMENT_PARTS,
    LABELS,
    ROLLUP_COLUMNS,
    TWEET_METRICS,
    TWEET_SAMPLE_COLUMNS,
    VIDEO_METRICS,
    VIDEO_SAMPLE_COLUMNS,
    Metric,
    format_change,
    sample_columns,
    trend,
)
from tweets.models import HourlyRollup, TweetSample, VideoSample, add_metric_columns, metric
from tweets.templatetags import metrics as tags

# A promoted Tweet with a video, as GET /2/tweets answers it with every metric group asked for
# (promoted_metrics come from a request of their own, so the poller takes them separately).
TWEET = {
    "id": "1866150873432350720",
    "text": "Our spring launch, in 40 seconds https://t.co/abc",
    "created_at": "2026-11-02T09:15:00.000Z",
    "attachments": {"media_keys": ["13_1866150860000000000"]},
    "public_metrics": {
        "retweet_count": 41,
        "reply_count": 12,
        "like_count": 380,
        "quote_count": 7,
        "bookmark_count": 25,
        "impression_count": 18230,
    },
    "non_public_metrics": {
        "impression_count": 18230,
        "url_link_clicks": 204,
        "user_profile_clicks": 96,
    },
    "organic_metrics": {
        "impression_count": 11020,
        "like_count": 301,
        "reply_count": 10,
        "retweet_count": 33,
        "url_link_clicks": 120,
        "user_profile_clicks": 71,
    },
}
PROMOTED = {
    "impression_count": 7210,
    "like_count": 79,
    "reply_count": 2,
    "retweet_count": 8,
    "url_link_clicks": 84,
    "user_profile_clicks": 25,
}
PLAYBACK = {
    "playback_0_count": 5100,
    "playback_25_count": 3900,
    "playback_50_count": 2800,
    "playback_75_count": 1900,
    "playback_100_count": 1200,
}
VIDEO = {
    "media_key": "13_1866150860000000000",
    "type": "video",
    "duration_ms": 40000,
    "public_metrics": {"view_count": 6400},
    "non_public_metrics": PLAYBACK,
    "organic_metrics": {"view_count": 4100, **{k: v // 2 for k, v in PLAYBACK.items()}},
    "promoted_metrics": {"view_count": 2300, **{k: v // 3 for k, v in PLAYBACK.items()}},
}
# A metric X might add: split organic / promoted, rolled up, counted in engagements.
NEW_METRIC = Metric("reposts_x", "repost_x_count", "X reposts", rollup="reposts_x", engagement=True)


def metric_fields(model, own: int) -> list[str]:
    """The model's metric columns: its concrete fields after its own (id, key, time...)."""
    return [field.name for field in model._meta.concrete_fields][own:]


def test_the_models_columns_are_the_registrys():
    assert metric_fields(TweetSample, 2) == list(TWEET_SAMPLE_COLUMNS)  # tweet, captured_at
    assert metric_fields(VideoSample, 2) == list(VIDEO_SAMPLE_COLUMNS)
    assert metric_fields(HourlyRollup, 4) == list(ROLLUP_COLUMNS)  # id, account, bucket, context
    split = [m for m in TWEET_METRICS if m.split]
    assert len(TWEET_SAMPLE_COLUMNS) == len(TWEET_METRICS) + 2 * len(split)
    nullable = [TweetSample._meta.get_field(c).null for c in TWEET_SAMPLE_COLUMNS]
    assert all(nullable)  # missing is not zero


def test_the_poller_parses_every_column_of_a_full_tweet_and_video():
    values = polling.tweet_sample_values(TWEET, PROMOTED)
    assert list(values) == list(TWEET_SAMPLE_COLUMNS)
    assert None not in values.values()
    for m in TWEET_METRICS:
        total = {**TWEET["non_public_metrics"], **TWEET["public_metrics"]}
        assert values[m.name] == total[m.wire]
        if m.split:
            assert values[m.column("organic")] == TWEET["organic_metrics"][m.wire]
            assert values[m.column("promoted")] == PROMOTED[m.wire]

    video = polling.video_sample_values(VIDEO)
    assert list(video) == list(VIDEO_SAMPLE_COLUMNS)
    assert None not in video.values()
    assert (video["views"], video["playback_100"]) == (6400, 1200)
    assert (video["organic_playback_0"], video["promoted_views"]) == (2550, 2300)


def test_what_x_did_not_return_stays_missing():
    public_only = {**TWEET, "non_public_metrics": {}, "organic_metrics": {}}
    values = polling.tweet_sample_values(public_only, None)
    assert values["likes"] == 380
    assert values["url_clicks"] is None  # only in the private group: not zero
    assert all(
        values[m.column(c)] is None
        for m in TWEET_METRICS
        if m.split
        for c in ("organic", "promoted")
    )


def test_the_rollups_keep_every_metric_with_a_rollup_in_every_context():
    tweet, video = polling.TWEET_ROLLUP_COLUMNS, polling.VIDEO_ROLLUP_COLUMNS
    kept = {rollup for mapping in (tweet, video) for rollup, _ in mapping["total"]}
    assert kept == set(ROLLUP_COLUMNS)
    for mapping, metrics, columns in (
        (tweet, TWEET_METRICS, TWEET_SAMPLE_COLUMNS),
        (video, VIDEO_METRICS, VIDEO_SAMPLE_COLUMNS),
    ):
        for context in ("organic", "promoted"):
            assert {r for r, _ in mapping[context]} == {
                m.rollup for m in metrics if m.rollup and m.split
            }
        assert all(column in columns for pairs in mapping.values() for _, column in pairs)
    assert ("video_starts", "organic_playback_0") in video["organic"]
    assert tuple(m.column("promoted") for m in TWEET_METRICS if m.split) == polling.PROMOTED_COLUMNS


def test_the_report_csv_has_every_rolled_up_metric_once():
    metrics = [metric for _, metric, context in CSV_COLUMNS if context == "total"]
    assert sorted(metrics) == sorted([*ROLLUP_COLUMNS, "engagements"])
    headers = [header for header, _, _ in CSV_COLUMNS]
    assert len(set(headers)) == len(headers)
    assert {"reposts", "link clicks", "organic impressions", "video starts"} <= set(headers)


def test_engagements_and_labels_follow_the_registry():
    assert set(ENGAGEMENT_PARTS) == {m.name for m in TWEET_METRICS if m.engagement}
    assert all(m.name in LABELS for m in TWEET_METRICS)


def test_a_new_metric_needs_only_its_registry_entry():
    extended = (*TWEET_METRICS, NEW_METRIC)
    columns = sample_columns(extended)
    assert set(columns) - set(TWEET_SAMPLE_COLUMNS) == {
        "reposts_x",
        "organic_reposts_x",
        "promoted_reposts_x",
    }

    tweet = {
        **TWEET,
        "public_metrics": {**TWEET["public_metrics"], "repost_x_count": 9},
        "organic_metrics": {**TWEET["organic_metrics"], "repost_x_count": 6},
    }
    values = polling.tweet_sample_values(tweet, {**PROMOTED, "repost_x_count": 3}, extended)
    assert list(values) == list(columns)
    assert (values["reposts_x"], values["organic_reposts_x"], values["promoted_reposts_x"]) == (
        9,
        6,
        3,
    )
    # Not yet reported by X: NULL, not zero.
    assert polling.tweet_sample_values(TWEET, None, extended)["reposts_x"] is None

    rollups = polling.rollup_columns(extended)
    assert all(
        ("reposts_x", NEW_METRIC.column(c)) in rollups[c] for c in ("total", "organic", "promoted")
    )


@isolate_apps("tweets")
def test_a_new_metric_becomes_a_model_column():
    class Sample(models.Model):
        captured_at = models.DateTimeField()

        class Meta:
            app_label = "tweets"

        def __str__(self):
            return str(self.captured_at)

    columns = sample_columns((*TWEET_METRICS, NEW_METRIC))
    add_metric_columns(Sample, columns, metric)
    assert metric_fields(Sample, 2) == list(columns)
    assert Sample._meta.get_field("promoted_reposts_x").null


def test_pages_and_emails_print_a_change_the_same_way():
    # One library: the template filters are the registry's formats.
    for value in (None, 0.001, -0.004, 0.12, -0.08):
        assert tags.change(value) == format_change(value)
        assert tags.trend(value) == trend(value)
    assert format_change(-0.004) == "±0 %"
    assert format_change(-0.08) == "\N{MINUS SIGN}8 %"
    assert tags.change_colour(0.12) == "#1a7f37"
    assert tags.change_colour(-0.004) == tags.change_colour(None) == "#59636e"
