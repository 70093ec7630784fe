"""Linked X accounts: who owns them, how they are authorised, and their polling state."""

import zoneinfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from .crypto import decrypt_tokens, encrypt_tokens


class XAccount(models.Model):
    """An X account linked by a dashboard user. Tokens are encrypted at rest."""

    class AuthKind(models.TextChoices):
        OAUTH1 = "oauth1", "OAuth 1.0a"
        OAUTH2 = "oauth2", "OAuth 2.0"

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        NEEDS_REAUTH = "needs_reauth", "Needs re-authorisation"
        REVOKED = "revoked", "Unlinked"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="x_accounts"
    )
    # One X account may be linked once, by one owner (polling it twice would double the cost).
    x_user_id = models.CharField("X user id", max_length=19, unique=True)
    username = models.CharField(max_length=50)
    name = models.CharField(max_length=100, blank=True)
    sandbox = models.BooleanField(default=False, help_text="Linked against the X API sandbox.")

    auth_kind = models.CharField(max_length=6, choices=AuthKind.choices)
    # Fernet ciphertext of a JSON object: oauth_token/oauth_token_secret (OAuth 1.0a) or
    # access_token/refresh_token (OAuth 2.0). Never shown anywhere.
    tokens_encrypted = models.TextField(blank=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.CharField(max_length=200, blank=True)

    state = models.CharField(max_length=12, choices=State.choices, default=State.ACTIVE)
    state_reason = models.CharField(max_length=300, blank=True)

    linked_at = models.DateTimeField(default=timezone.now)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    # The beat tick claims accounts whose next_poll_at has passed (conditional UPDATE).
    next_poll_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # Newest Tweet id seen, for timeline discovery with since_id.
    newest_tweet_id = models.BigIntegerField(null=True, blank=True)
    has_promoted = models.BooleanField(default=False)
    last_promoted_scan_at = models.DateTimeField(null=True, blank=True)
    last_public_sweep_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # tweets.tasks.tick: state = 'active' AND next_poll_at <= now
            models.Index(fields=["state", "next_poll_at"], name="xaccount_due_idx"),
        ]

    def __str__(self):
        return f"@{self.username}"

    # Token material never leaves these two methods unencrypted for long.
    def get_tokens(self) -> dict:
        return decrypt_tokens(self.tokens_encrypted)

    def set_tokens(self, tokens: dict) -> None:
        self.tokens_encrypted = encrypt_tokens(tokens) if tokens else ""

    @property
    def is_pollable(self) -> bool:
        return self.state == self.State.ACTIVE


def _timezone_choices():
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class Profile(models.Model):
    """A dashboard user's preferences: the timezone dashboards and reports use."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    timezone = models.CharField(max_length=64, default="UTC", choices=_timezone_choices)

    def __str__(self):
        return f"{self.user} ({self.timezone})"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @classmethod
    def of(cls, user) -> "Profile":
        """The user's profile, created with defaults on first use."""
        profile, _ = cls.objects.get_or_create(user=user)
        return profile
