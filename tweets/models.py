"""Tweets, their media, the metric samples polled from X, hourly rollups, and poll runs.

The metric columns of samples and rollups come from the registry in tweets/metrics.py.

Missing is not zero: a metric X did not return is NULL and shows as "—".
"""

import re
from datetime import datetime, timedelta

from django.db import models
from django.utils import timezone

from accounts.models import XAccount

from .metrics import ROLLUP_COLUMNS, TWEET_SAMPLE_COLUMNS, VIDEO_SAMPLE_COLUMNS

# X writes a Retweet's text as "RT @handle: " and the original's text.
RETWEET_TEXT_RE = re.compile(r"RT @(\w{1,15}):")


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
    # tweet_account_created_idx leads with it: no index of its own.
    account = models.ForeignKey(
        XAccount, on_delete=models.CASCADE, related_name="tweets", db_index=False
    )
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
    # The last UTC day X billed a read of this Tweet: X bills a Post once per day.
    last_billed_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            # polling.due_tweets and the dashboard: an account's Tweets by age
            models.Index(fields=["account", "created_at"], name="tweet_account_created_idx"),
        ]

    def __str__(self):
        return str(self.id)

    @property
    def original_author(self) -> str:
        """The handle a Retweet reposts, from X's "RT @handle: " text; "" otherwise."""
        match = RETWEET_TEXT_RE.match(self.text) if self.kind == self.Kind.RETWEET else None
        return match[1] if match else ""


def metric():
    """A count as X reports it; NULL when X gave nothing (missing is not zero)."""
    return models.IntegerField(null=True, blank=True)


def gain():
    """A rollup's gain in one bucket: a sum of deltas, so never NULL. The database's own
    default lets SQL that names only some columns insert rows, even when a metric is new."""
    return models.BigIntegerField(default=0, db_default=0)


def add_metric_columns(model, columns, field) -> None:
    """Give `model` one `field()` per column of the registry (tweets/metrics.py), after its
    own fields: a new Metric entry becomes a column, and `makemigrations` writes it."""
    for column in columns:
        model.add_to_class(column, field())


class TweetSample(models.Model):
    """One poll of one Tweet: every metric, totals and organic / promoted splits.

    Written only when some value changed since the Tweet's previous sample. Keyed by
    (tweet, captured_at), with no surrogate id: the key makes replayed polls write nothing,
    serves "a Tweet's samples by time", and is the table's only index. The columns are
    8-byte aligned (bigint, timestamptz, then 4-byte counts), so no padding between them.
    """

    pk = models.CompositePrimaryKey("tweet", "captured_at")
    tweet = models.ForeignKey(
        Tweet, on_delete=models.CASCADE, related_name="samples", db_index=False
    )
    captured_at = models.DateTimeField()

    def __str__(self):
        return f"{self.tweet_id} @ {self.captured_at:%Y-%m-%d %H:%M}"


# Totals (public_metrics, and non_public_metrics for the private counts), then the
# organic_metrics split (private: only within 30 days of posting) and the promoted_metrics
# split (only for promoted Tweets).
add_metric_columns(TweetSample, TWEET_SAMPLE_COLUMNS, metric)


class VideoSample(models.Model):
    """One poll of one video: views and the five playback counts, per context; keyed by
    (media, captured_at) like TweetSample."""

    pk = models.CompositePrimaryKey("media", "captured_at")
    media = models.ForeignKey(
        Media, on_delete=models.CASCADE, related_name="samples", db_index=False
    )
    captured_at = models.DateTimeField()

    def __str__(self):
        return f"{self.media_id} @ {self.captured_at:%Y-%m-%d %H:%M}"


add_metric_columns(VideoSample, VIDEO_SAMPLE_COLUMNS, metric)


class HourlyRollup(models.Model):
    """Gains per account per hour and context, maintained on ingest from sample deltas.

    The video completion rate is video_completions / video_starts (playback_100 and
    playback_0 gains).
    """

    class Context(models.TextChoices):
        TOTAL = "total"
        ORGANIC = "organic"
        PROMOTED = "promoted"

    # hourlyrollup_unique_bucket leads with it: no index of its own.
    account = models.ForeignKey(
        XAccount, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    bucket = models.DateTimeField()
    context = models.CharField(max_length=8, choices=Context.choices)

    class Meta:
        constraints = [
            # Upserts on ingest; account charts read a range of buckets by this index.
            models.UniqueConstraint(
                fields=["account", "context", "bucket"], name="hourlyrollup_unique_bucket"
            )
        ]

    def __str__(self):
        return f"{self.account_id} {self.context} {self.bucket:%Y-%m-%d %H:%M}"


add_metric_columns(HourlyRollup, ROLLUP_COLUMNS, gain)


class AudienceSample(models.Model):
    """One read of the account's own public_metrics (GET /2/users/me), as X gave them.

    Written only when some value changed since the account's previous sample; NULL where X
    gave nothing (missing is not zero).
    """

    account = models.ForeignKey(
        XAccount, on_delete=models.CASCADE, related_name="audience_samples", db_index=False
    )
    captured_at = models.DateTimeField()
    followers = metric()
    following = metric()
    tweets = metric()
    listed = metric()
    likes = metric()

    # The columns, in X's wire names' order (followers_count, following_count, ...).
    COLUMNS = ("followers", "following", "tweets", "listed", "likes")

    class Meta:
        constraints = [
            # Idempotent polls; also serves "an account's followers by time" (the charts).
            models.UniqueConstraint(
                fields=["account", "captured_at"], name="audiencesample_unique_instant"
            )
        ]

    def __str__(self):
        return f"{self.account_id} @ {self.captured_at:%Y-%m-%d %H:%M}"


class AudienceHourly(models.Model):
    """Net follows per account and hour: the change in followers between consecutive
    samples that both have a count, in the hour of the later one. A table of its own, not
    columns on HourlyRollup: followers have no organic / promoted context, and they are
    not a sum of Tweet deltas."""

    # audiencehourly_unique_bucket leads with it: no index of its own.
    account = models.ForeignKey(
        XAccount, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    bucket = models.DateTimeField()
    net_follows = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name_plural = "audience hourly rollups"
        constraints = [
            # Upserts on ingest; the overview reads a range of an account's buckets by it.
            models.UniqueConstraint(
                fields=["account", "bucket"], name="audiencehourly_unique_bucket"
            )
        ]

    def __str__(self):
        return f"{self.account_id} {self.bucket:%Y-%m-%d %H:%M} {self.net_follows:+d}"


class BilledReads(models.Model):
    """Posts X billed per account and UTC day, each Tweet once a day however often it was
    read (tweets/billing.py). A counter, not a row per read: 300,000 live Tweets polled
    all day make one row per account and day."""

    # billedreads_unique_day leads with it: no index of its own.
    account = models.ForeignKey(
        XAccount, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    tweets = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name_plural = "billed reads"
        constraints = [
            # Upserted by every poll; the health page sums a range of days.
            models.UniqueConstraint(fields=["account", "day"], name="billedreads_unique_day")
        ]

    def __str__(self):
        return f"{self.account_id} {self.day:%Y-%m-%d} {self.tweets}"


class PollRunQuerySet(models.QuerySet):
    def close_lost(self, now: datetime, lease: timedelta) -> int:
        """Close as failed ("worker lost") every run still running after its claim lapsed:
        a poll holds its account for `lease` from its start, so one older than that lost
        its worker (killed, or its machine gone). One conditional UPDATE; how many."""
        return self.filter(outcome=PollRun.Outcome.RUNNING, started_at__lt=now - lease).update(
            outcome=PollRun.Outcome.FAILED, finished_at=now, error=PollRun.WORKER_LOST
        )


class PollRun(models.Model):
    """One poll of one account, as the admin and the accounts page show it."""

    WORKER_LOST = "worker lost"

    class Kind(models.TextChoices):
        POLL = "poll", "Poll"
        SWEEP = "sweep", "Daily public sweep"

    class Outcome(models.TextChoices):
        RUNNING = "running"
        OK = "ok"
        FAILED = "failed"
        RATE_LIMITED = "rate_limited", "Rate limited"
        UNAUTHORIZED = "unauthorized", "Needs re-authorisation"

    # pollrun_account_recent_idx leads with it: no index of its own.
    account = models.ForeignKey(
        XAccount, on_delete=models.CASCADE, related_name="poll_runs", db_index=False
    )
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.POLL)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.RUNNING)
    requests_made = models.PositiveIntegerField(default=0)
    tweets_sampled = models.PositiveIntegerField(default=0)
    samples_written = models.PositiveIntegerField(default=0)
    # Whether this run read the account's public_metrics (a billed User read).
    audience_read = models.BooleanField(default=False, db_default=False)
    rate_limit_remaining = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    objects = PollRunQuerySet.as_manager()

    class Meta:
        indexes = [
            # The accounts page and the admin: an account's latest runs.
            models.Index(fields=["account", "-started_at"], name="pollrun_account_recent_idx"),
            # PollRun.objects.close_lost, every tick: outcome = 'running' AND started_at < ...
            models.Index(
                fields=["started_at"],
                condition=models.Q(outcome="running"),
                name="pollrun_running_idx",
            ),
        ]

    def __str__(self):
        return f"{self.account} {self.kind} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"
