"""Alert rules on an account's Tweets, health incidents of its polling, and the alert ledger.

The ledger (Alert) is what makes every alert happen once: a row is claimed with a
conditional write (INSERT that a unique constraint lets only one writer win) in the same
transaction that hands the alert to delivery, as the report ledger does (reports/sending.py).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import XAccount
from tweets.metrics import TWEET_METRICS
from tweets.models import Tweet

METRIC_CHOICES = [(m.name, m.label) for m in TWEET_METRICS]


class AlertRule(models.Model):
    """One account's "tell me when a Tweet ...": does k times its usual, or crosses a number."""

    class Kind(models.TextChoices):
        SPIKE = "spike", "Doing k times better than usual"
        THRESHOLD = "threshold", "Crosses a number"

    account = models.ForeignKey(XAccount, on_delete=models.CASCADE, related_name="alert_rules")
    kind = models.CharField(max_length=9, choices=Kind.choices, default=Kind.SPIKE)
    metric = models.CharField(max_length=20, choices=METRIC_CHOICES, default="impressions")
    factor = models.DecimalField(
        "k",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(1.1), MaxValueValidator(1000)],
        help_text="Spike rules: how many times the usual value at the same age.",
    )
    threshold = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(2**31 - 1)],
        help_text="Threshold rules: the number a Tweet must reach.",
    )
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["account_id", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="spike", factor__isnull=False, threshold__isnull=True)
                    | models.Q(kind="threshold", threshold__isnull=False, factor__isnull=True)
                ),
                name="alertrule_kind_has_its_number",
            ),
        ]
        indexes = [
            # alerts.detection.check_tweets, after every poll: an account's enabled rules
            models.Index(
                fields=["account"], condition=models.Q(enabled=True), name="alertrule_enabled_idx"
            ),
        ]

    def __str__(self):
        return f"{self.account}: {self.describe()}"

    def describe(self) -> str:
        label = self.get_metric_display().lower()
        if self.kind == self.Kind.SPIKE:
            return f"a Tweet's {label} at {self.factor:g} times the usual at its age"
        return f"a Tweet's {label} reach {self.threshold:,}"


class IncidentQuerySet(models.QuerySet):
    def open(self) -> "IncidentQuerySet":
        return self.filter(recovered_at__isnull=True)


class Incident(models.Model):
    """A stretch of time an account's polling was in trouble, from its start to recovery."""

    class Kind(models.TextChoices):
        REAUTH = "reauth", "Needs re-authorisation"
        FAILING = "failing", "Polls failing for an hour"
        RATE_LIMITED = "rate_limited", "Held back by X's rate limit"

    # incident_once_per_start leads with it: no index of its own.
    account = models.ForeignKey(
        XAccount, on_delete=models.CASCADE, related_name="incidents", db_index=False
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # When the trouble began (the first failed poll after the last good one), not when it
    # was noticed: every checker derives the same instant.
    started_at = models.DateTimeField()
    recovered_at = models.DateTimeField(null=True, blank=True)
    # Closed without a "recovered" alert: the account was unlinked or paused meanwhile.
    closed_quietly = models.BooleanField(default=False)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind"],
                condition=models.Q(recovered_at__isnull=True),
                name="incident_one_open_per_kind",
            ),
            models.UniqueConstraint(
                fields=["account", "kind", "started_at"], name="incident_once_per_start"
            ),
        ]

    def __str__(self):
        return f"{self.account} {self.get_kind_display()} since {self.started_at:%Y-%m-%d %H:%M}"


class Alert(models.Model):
    """The ledger: one row per alert, written before it is handed to delivery.

    Unique per (rule, Tweet) for a Tweet's alerts, and per (incident, event) for health:
    an incident raises one alert when it opens and one when it recovers. A replayed poll,
    a second beat or two workers checking at once find the row there and send nothing.
    """

    class Event(models.TextChoices):
        RAISED = "raised", "Raised"
        RECOVERED = "recovered", "Recovered"

    # alert_account_recent_idx leads with it: no index of its own.
    account = models.ForeignKey(
        XAccount, on_delete=models.CASCADE, related_name="alerts", db_index=False
    )
    rule = models.ForeignKey(
        AlertRule, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    tweet = models.ForeignKey(
        Tweet, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts"
    )
    event = models.CharField(max_length=9, choices=Event.choices, default=Event.RAISED)
    created_at = models.DateTimeField(default=timezone.now)
    # What was seen: the Tweet's value, and for spikes the usual value and how many
    # reference Tweets it was the median of.
    value = models.BigIntegerField(null=True, blank=True)
    usual = models.FloatField(null=True, blank=True)
    references = models.PositiveSmallIntegerField(null=True, blank=True)
    title = models.CharField(max_length=200)
    # The people it was handed to (their usernames), as they were at that moment.
    recipients = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "tweet"],
                condition=models.Q(rule__isnull=False),
                name="alert_once_per_rule_and_tweet",
            ),
            models.UniqueConstraint(
                fields=["incident", "event"],
                condition=models.Q(incident__isnull=False),
                name="alert_once_per_incident_event",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(rule__isnull=False, tweet__isnull=False, incident__isnull=True)
                    | models.Q(rule__isnull=True, tweet__isnull=True, incident__isnull=False)
                ),
                name="alert_about_a_tweet_or_an_incident",
            ),
        ]
        indexes = [
            # The admin and the rules page: an account's latest alerts
            models.Index(fields=["account", "-created_at"], name="alert_account_recent_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def key(self) -> str:
        """The delivery key: stable and unique per alert (notify is idempotent on it)."""
        return f"alert:{self.pk}"
