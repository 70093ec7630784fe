"""Where a person's alerts go (Destination), when they may arrive (QuietHours), and the
delivery ledger with its log of attempts (Delivery, DeliveryAttempt).

A webhook's URL and signing secret are credentials (a Slack or Discord URL lets anyone
post to the channel), so they are kept encrypted like X tokens (accounts/crypto.py); only
a masked form of the URL is stored in the clear, for the pages and the admin.
"""

import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone

from accounts import crypto


def mask_url(url: str) -> str:
    """scheme://host/…last4: enough to recognise a URL, not enough to use it."""
    parts = urlsplit(url)
    rest = url.split(parts.netloc, 1)[-1]
    tail = rest[-4:] if len(rest) > 8 else ""
    return f"{parts.scheme}://{parts.hostname}/…{tail}"


class Destination(models.Model):
    """One place a person's alerts go: their confirmed address, or a webhook."""

    class Kind(models.TextChoices):
        EMAIL = "email", "Email"
        SLACK = "slack", "Slack"
        DISCORD = "discord", "Discord"
        WEBHOOK = "webhook", "Signed JSON webhook"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_destinations"
    )
    kind = models.CharField(max_length=7, choices=Kind.choices)
    name = models.CharField(max_length=80)
    # The URL and (for signed webhooks) the secret, encrypted together (accounts/crypto.py).
    credentials = models.TextField(blank=True, editable=False)
    masked_url = models.CharField(max_length=300, blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user_id", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(kind="email"), name="destination_one_email"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name!r} of {self.user}"

    def set_url(self, url: str) -> str | None:
        """Store the webhook URL; a signed JSON webhook also gets a new secret, returned
        (to be shown once) and never readable from the pages again."""
        secret = secrets.token_urlsafe(32) if self.kind == self.Kind.WEBHOOK else ""
        self.credentials = crypto.encrypt_tokens({"url": url, "secret": secret})
        self.masked_url = mask_url(url)
        return secret or None

    @property
    def url(self) -> str:
        return crypto.decrypt_tokens(self.credentials).get("url", "")

    @property
    def secret(self) -> str:
        return crypto.decrypt_tokens(self.credentials).get("secret", "")

    @classmethod
    def email_of(cls, user) -> "Destination":
        """The person's email destination, created (enabled) on first use: alerts go to
        the confirmed address unless the person turns it off."""
        destination, _ = cls.objects.get_or_create(
            user=user, kind=cls.Kind.EMAIL, defaults={"name": "Email"}
        )
        return destination


class QuietHours(models.Model):
    """Hours of the day, in the person's timezone, when alerts wait (they are not dropped).

    From `start` up to `end` (exclusive), wrapping midnight when start > end; equal hours
    mean no quiet hours.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiet_hours"
    )
    start = models.PositiveSmallIntegerField(validators=[MaxValueValidator(23)])
    end = models.PositiveSmallIntegerField(validators=[MaxValueValidator(23)])

    class Meta:
        verbose_name_plural = "quiet hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__lte=23, end__lte=23), name="quiethours_hours_of_day"
            ),
        ]

    def __str__(self):
        return f"{self.start:02d}:00 to {self.end:02d}:00 for {self.user}"


class Delivery(models.Model):
    """The ledger: one row per (alert key, destination), written before anything is sent.

    The unique constraint makes a second `notify` with the same key create nothing; the
    row's status moves pending -> sending (a claim with a lease) -> sent, or back to
    pending with a later due_at, or failed after the last attempt (notifications/sending.py).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"
        SKIPPED = "skipped", "Skipped"

    key = models.CharField(max_length=200)
    destination = models.ForeignKey(
        Destination, on_delete=models.CASCADE, related_name="deliveries"
    )
    message = models.JSONField()
    status = models.CharField(max_length=7, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Not before this instant: the end of quiet hours, or the next retry.
    due_at = models.DateTimeField(default=timezone.now)
    # While sending: the lease; a worker that died leaves it to lapse and be claimed again.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["key", "destination"], name="delivery_once_per_key"),
        ]
        indexes = [
            # notifications.sending.due: pending AND due_at <= now
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="pending"),
                name="delivery_pending_due_idx",
            ),
            # notifications.sending.due: sending AND claimed_until < now (lapsed leases)
            models.Index(
                fields=["claimed_until"],
                condition=models.Q(status="sending"),
                name="delivery_lease_idx",
            ),
        ]

    def __str__(self):
        return f"{self.key} -> {self.destination}: {self.status}"

    @property
    def kind(self) -> str:
        return self.message.get("kind", "")

    @property
    def title(self) -> str:
        return self.message.get("title", "")


class DeliveryAttempt(models.Model):
    """The log: one row per try at sending a delivery, with what the other side said."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery_id", "at", "pk"]

    def __str__(self):
        outcome = self.status_code or self.error[:40] or "ok"
        return f"{self.delivery_id} at {self.at:%Y-%m-%d %H:%M:%S}: {outcome}"

    @property
    def ok(self) -> bool:
        return not self.error and (self.status_code is None or 200 <= self.status_code < 300)
