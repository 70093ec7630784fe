"""Tweets, their media, the metric samples polled from X, rollups, and poll runs.

Missing is not zero: a metric X did not return is NULL and shows as "—".
"""

from django.db import models
from django.utils import timezone

from accounts.models import XAccount

# The Tweet metrics kept per sample: (field prefix, X's name) in every context.
SPLIT_METRICS = (
    ("impressions", "impression_count"),
    ("likes", "like_count"),
    ("retweets", "retweet_count"),
    ("replies", "reply_count"),
    ("url_clicks", "url_link_clicks"),
    ("profile_clicks", "user_profile_clicks"),
)
TOTAL_ONLY_METRICS = (("quotes", "quote_count"), ("bookmarks", "bookmark_count"))
VIDEO_METRICS = (
    ("views", "view_count"),
    ("playback_0", "playback_0_count"),
    ("playback_25", "playback_25_count"),
    ("playback_50", "playback_50_count"),
    ("playback_75", "playback_75_count"),
    ("playback_100", "playback_100_count"),
)
CONTEXTS = ("total", "organic", "promoted")


def sample_fields(metrics, *, total_only=()) -> list[str]:
    """Column names of a sample: totals, then organic_*, then promoted_*."""
    names = [name for name, _ in metrics] + [name for name, _ in total_only]
    for context in ("organic", "promoted"):
        names += [f"{context}_{name}" for name, _ in metrics]
    return names


# The metric columns of TweetSample and VideoSample (a test checks they match the models).
TWEET_SAMPLE_FIELDS = sample_fields(SPLIT_METRICS, total_only=TOTAL_ONLY_METRICS)
VIDEO_SAMPLE_FIELDS = sample_fields(VIDEO_METRICS)


class Media(models.Model):
    """A photo or video; a video's metrics are summed over every Tweet that carries it."""

    media_key = models.CharField(max_length=40, primary_key=True)
    account = models.ForeignKey(XAccount, on_delete=models.CASCADE, related_name="media")
    type = models.CharField(max_length=20)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_sampled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "media"

    def __str__(self):
        return self.media_key


class Tweet(models.Model):
    class Kind(models.TextChoices):
        ORIGINAL = "original"
        REPLY = "reply"
        RETWEET = "retweet"
        QUOTE = "quote"

    id = models.BigIntegerField("X id", primary_key=True)
    account = models.ForeignKey(XAccount, on_delete=models.CASCADE, related_name="tweets")
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.ORIGINAL)
    promoted = models.BooleanField(default=False, help_text="Ever promoted.")
    media = models.ManyToManyField(Media, related_name="tweets", blank=True)
    first_seen_at = models.DateTimeField(default=timezone.now)
    # How far the last value holds: charts draw the last sample up to last_polled_at.
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_sampled_at = models.DateTimeField(null=True, blank=True)
    # The last private snapshot, taken just before X stops handing private metrics out.
    final_private_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # polling.due_tweets and the dashboard: an account's Tweets by age
            models.Index(fields=["account", "created_at"], name="tweet_account_created_idx"),
        ]

    def __str__(self):
        return str(self.id)


def metric():
    """A count as X reports it; NULL when X gave nothing (missing is not zero)."""
    return models.IntegerField(null=True, blank=True)


class TweetSample(models.Model):
    """One poll of one Tweet: every metric, totals and organic / promoted splits.

    Written only when some value changed since the Tweet's previous sample.
    """

    tweet = models.ForeignKey(
        Tweet, on_delete=models.CASCADE, related_name="samples", db_index=False
    )
    captured_at = models.DateTimeField()
    # Totals (public_metrics, and non_public_metrics for the two click counts).
    impressions = metric()
    likes = metric()
    retweets = metric()
    replies = metric()
    url_clicks = metric()
    profile_clicks = metric()
    quotes = metric()
    bookmarks = metric()
    # organic_metrics (private: only within 30 days of posting)
    organic_impressions = metric()
    organic_likes = metric()
    organic_retweets = metric()
    organic_replies = metric()
    organic_url_clicks = metric()
    organic_profile_clicks = metric()
    # promoted_metrics (only for promoted Tweets)
    promoted_impressions = metric()
    promoted_likes = metric()
    promoted_retweets = metric()
    promoted_replies = metric()
    promoted_url_clicks = metric()
    promoted_profile_clicks = metric()

    class Meta:
        constraints = [
            # Idempotent polls; also serves "a Tweet's samples by time".
            models.UniqueConstraint(
                fields=["tweet", "captured_at"], name="tweetsample_unique_instant"
            )
        ]

    def __str__(self):
        return f"{self.tweet_id} @ {self.captured_at:%Y-%m-%d %H:%M}"


class VideoSample(models.Model):
    """One poll of one video: views and the five playback counts, per context."""

    media = models.ForeignKey(
        Media, on_delete=models.CASCADE, related_name="samples", db_index=False
    )
    captured_at = models.DateTimeField()
    views = metric()
    playback_0 = metric()
    playback_25 = metric()
    playback_50 = metric()
    playback_75 = metric()
    playback_100 = metric()
    organic_views = metric()
    organic_playback_0 = metric()
    organic_playback_25 = metric()
    organic_playback_50 = metric()
    organic_playback_75 = metric()
    organic_playback_100 = metric()
    promoted_views = metric()
    promoted_playback_0 = metric()
    promoted_playback_25 = metric()
    promoted_playback_50 = metric()
    promoted_playback_75 = metric()
    promoted_playback_100 = metric()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["media", "captured_at"], name="videosample_unique_instant"
            )
        ]

    def __str__(self):
        return f"{self.media_id} @ {self.captured_at:%Y-%m-%d %H:%M}"


ROLLUP_METRICS = (
    "impressions",
    "likes",
    "retweets",
    "replies",
    "quotes",
    "bookmarks",
    "url_clicks",
    "profile_clicks",
    "video_views",
    "video_starts",
    "video_completions",
)


class RollupBase(models.Model):
    """Gains per account per bucket and context, maintained on ingest from sample deltas."""

    class Context(models.TextChoices):
        TOTAL = "total"
        ORGANIC = "organic"
        PROMOTED = "promoted"

    account = models.ForeignKey(XAccount, on_delete=models.CASCADE, related_name="+")
    bucket = models.DateTimeField()
    context = models.CharField(max_length=8, choices=Context.choices)
    impressions = models.BigIntegerField(default=0)
    likes = models.BigIntegerField(default=0)
    retweets = models.BigIntegerField(default=0)
    replies = models.BigIntegerField(default=0)
    quotes = models.BigIntegerField(default=0)
    bookmarks = models.BigIntegerField(default=0)
    url_clicks = models.BigIntegerField(default=0)
    profile_clicks = models.BigIntegerField(default=0)
    video_views = models.BigIntegerField(default=0)
    # playback_0 and playback_100 gains: the video completion rate is completions / starts.
    video_starts = models.BigIntegerField(default=0)
    video_completions = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.account_id} {self.context} {self.bucket:%Y-%m-%d %H:%M}"


class HourlyRollup(RollupBase):
    class Meta:
        constraints = [
            # Upserts on ingest; account charts read a range of buckets by this index.
            models.UniqueConstraint(
                fields=["account", "context", "bucket"], name="hourlyrollup_unique_bucket"
            )
        ]


class DailyRollup(RollupBase):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "context", "bucket"], name="dailyrollup_unique_bucket"
            )
        ]


class PollRun(models.Model):
    """One poll of one account, as the admin and the accounts page show it."""

    class Kind(models.TextChoices):
        POLL = "poll", "Poll"
        SWEEP = "sweep", "Daily public sweep"

    class Outcome(models.TextChoices):
        RUNNING = "running"
        OK = "ok"
        FAILED = "failed"
        RATE_LIMITED = "rate_limited", "Rate limited"
        UNAUTHORIZED = "unauthorized", "Needs re-authorisation"

    account = models.ForeignKey(XAccount, on_delete=models.CASCADE, related_name="poll_runs")
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.POLL)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.RUNNING)
    requests_made = models.PositiveIntegerField(default=0)
    tweets_sampled = models.PositiveIntegerField(default=0)
    samples_written = models.PositiveIntegerField(default=0)
    rate_limit_remaining = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        indexes = [
            # The accounts page and the admin: an account's latest runs.
            models.Index(fields=["account", "-started_at"], name="pollrun_account_recent_idx"),
        ]

    def __str__(self):
        return f"{self.account} {self.kind} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"
