"""Report subscriptions and the send-once ledger of their deliveries (DESIGN.md section 7)."""

import zoneinfo

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from accounts.models import Profile, XAccount


def zone_of(user) -> zoneinfo.ZoneInfo:
    """The person's timezone (their Profile), UTC when they never chose one."""
    try:
        return user.profile.zone
    except Profile.DoesNotExist:
        return zoneinfo.ZoneInfo("UTC")


class ReportSubscription(models.Model):
    """One person's daily, weekly or monthly email report, at a local hour, on or off."""

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    user = models.ForeignKey(  # reportsubscription_one_per_frequency leads with it
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="report_subscriptions",
        db_index=False,
    )
    frequency = models.CharField(max_length=7, choices=Frequency.choices)
    local_hour = models.PositiveSmallIntegerField(
        default=8,
        validators=[MaxValueValidator(23)],
        help_text="Hour of the day, in the person's timezone, when the report goes out.",
    )
    accounts = models.ManyToManyField(
        XAccount,
        blank=True,
        related_name="+",
        help_text="None chosen: every account the person owns.",
    )
    enabled = models.BooleanField(default=False)
    # The beat claims subscriptions whose next_send_at has passed (conditional UPDATE).
    next_send_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user_id", "frequency"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "frequency"], name="reportsubscription_one_per_frequency"
            ),
            models.CheckConstraint(
                condition=models.Q(local_hour__lte=23), name="reportsubscription_hour_of_day"
            ),
        ]
        indexes = [
            # reports.sending.claim_due_reports: enabled AND next_send_at <= now
            models.Index(fields=["enabled", "next_send_at"], name="reportsub_due_idx"),
        ]

    def __str__(self):
        return f"{self.get_frequency_display()} report for {self.user}"

    def report_accounts(self) -> list[XAccount]:
        """The accounts the report covers: the chosen ones the person may still see (owned
        or shared), or else every such account that is still linked."""
        visible = XAccount.objects.visible_to(self.user)
        chosen = visible.filter(pk__in=self.accounts.values("pk"))
        if not chosen.exists():
            chosen = visible.exclude(state=XAccount.State.REVOKED)
        return list(chosen.order_by("username"))


class ReportDelivery(models.Model):
    """The send-once ledger: one row per (subscription, period), written before sending.

    The unique constraint is what makes a retry, a replayed task or a second beat unable to
    send a period's report twice; the row then records how the sending went.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"
        SKIPPED = "skipped", "Skipped"

    subscription = models.ForeignKey(  # reportdelivery_once_per_period leads with it
        ReportSubscription, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    # The timezone the period was computed in, so labels match the period exactly.
    time_zone = models.CharField(max_length=64, default="UTC")
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    # When the send task was last handed to the broker (the stale sweep re-queues from it).
    queued_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipient = models.EmailField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "report deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "period_start", "period_end"],
                name="reportdelivery_once_per_period",
            )
        ]
        indexes = [
            # reports.sending.requeue_stale: pending rows never attempted, by queued_at
            models.Index(
                fields=["queued_at"],
                condition=models.Q(status="pending"),
                name="reportdelivery_pending_idx",
            ),
        ]

    def __str__(self):
        return f"{self.subscription} {self.period_start:%Y-%m-%d}: {self.status}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class ReportPreview(models.Model):
    """One "send me a preview now": asked for on the settings page, sent by the worker.

    The rows of the last hour are the person's preview allowance (REPORT_PREVIEWS_PER_HOUR),
    counted in the database so every web process agrees; the latest one's outcome is shown
    on the page.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    subscription = models.ForeignKey(
        ReportSubscription, on_delete=models.CASCADE, related_name="previews"
    )
    # The person, denormalised: the allowance counts per person, over all frequencies.
    # reportpreview_user_idx leads with it: no index of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.QUEUED)
    recipient = models.EmailField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The SMTP server's answer or the reason it was not sent, for staff (never shown to the
    # person, who reads a plain sentence).
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            # reports.previews.allowance: a person's previews of the last hour
            models.Index(fields=["user", "requested_at"], name="reportpreview_user_idx"),
        ]

    def __str__(self):
        return f"Preview of {self.subscription} at {self.requested_at:%Y-%m-%d %H:%M}"
