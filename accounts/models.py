"""Linked X accounts: who owns them and who else may see them, how they are authorised,
and their polling state.

Every change of an account's state or schedule is here, as one conditional UPDATE that
says whether it happened: the state it expects is part of the WHERE clause, so a change
made meanwhile by someone else (the owner, an administrator, the poller) is never
overwritten. Views, admin actions, the poller and the tasks call these methods.
"""

import functools
import zoneinfo
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from .compiled import CompiledQuery
from .crypto import decrypt_tokens, encrypt_tokens


def _visible_to_id(user_id) -> "XAccountQuerySet":
    """visible_to for a user id, by username: what visible_list compiles once."""
    from django.contrib.auth import get_user_model

    return XAccount.objects.visible_to(get_user_model()(pk=user_id)).order_by("username")


# The accounts a person may see, by their id (accounts/backends.py reads it with the person).
visible_query = CompiledQuery(_visible_to_id)


class XAccountQuerySet(models.QuerySet):
    def visible_to(self, user) -> "XAccountQuerySet":
        """The accounts `user` owns or was given any access to: every view that takes an
        account or Tweet id starts here, so an outsider finds nothing (404)."""
        if not user.is_authenticated:
            return self.none()
        shared = AccountAccess.objects.filter(user=user).values("account")
        return self.filter(models.Q(owner=user) | models.Q(pk__in=shared))

    def visible_list(self, user) -> list["XAccount"]:
        """visible_to(user) by username, as a list: what every dashboard request reads.
        The same query for everyone but the user's id, so the ORM builds it once per
        process (accounts/compiled.py): building it took 1.3 ms a request, three times
        what the database took to answer it. When the sign-in backend read them with the
        person (accounts.backends.accounts_with_user), the first call takes those."""
        if not user.is_authenticated:
            return []
        read_with_user = getattr(user, "_visible_accounts", None)
        if read_with_user is None:
            return visible_query(user.pk)
        del user._visible_accounts  # the first call's: a later one reads them afresh
        return read_with_user

    def managed_by(self, user) -> "XAccountQuerySet":
        """The accounts `user` owns or manages: those they may pause, resume or poll now."""
        if not user.is_authenticated:
            return self.none()
        managed = AccountAccess.objects.filter(user=user, role=AccountAccess.Role.MANAGER)
        return self.filter(models.Q(owner=user) | models.Q(pk__in=managed.values("account")))

    def with_role_of(self, user) -> "XAccountQuerySet":
        """Each account annotated with `role`, `user`'s role on it (as role_of says), in
        the same query: for lists of accounts."""
        shared = AccountAccess.objects.filter(account=models.OuterRef("pk"), user=user.pk)
        return self.annotate(
            role=models.Case(
                models.When(owner=user.pk, then=models.Value(OWNER)),
                default=models.Subquery(shared.values("role")[:1]),
                output_field=models.CharField(),
            )
        )

    def due(self, now: datetime) -> "XAccountQuerySet":
        """Active accounts whose next poll has come (xaccount_due_idx)."""
        return self.filter(state=XAccount.State.ACTIVE, next_poll_at__lte=now)

    def claim(self, pk: int, next_poll_at: datetime, lease_until: datetime) -> bool:
        """Claim one account for a poll: move its next poll to `lease_until`, only if it is
        still the `next_poll_at` the caller read. Of two claims of one slot, one wins."""
        return self.filter(pk=pk, next_poll_at=next_poll_at).update(next_poll_at=lease_until) == 1

    def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[int]:
        """Claim up to `limit` due accounts; the ids won. If the poll never reports back,
        the lease runs out and the account is due again."""
        return [pk for pk, _slot in self.claim_slots(now, lease_until, limit)]

    def claim_slots(
        self, until: datetime, lease_until: datetime, limit: int
    ) -> list[tuple[int, datetime]]:
        """Claim up to `limit` accounts due by `until`, earliest first: each id won with
        the slot (next_poll_at) it was due at."""
        due = self.due(until).order_by("next_poll_at").values_list("pk", "next_poll_at")[:limit]
        return [(pk, slot) for pk, slot in due if self.claim(pk, slot, lease_until)]


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
    last_public_sweep_at = models.DateTimeField(null=True, blank=True)

    objects = XAccountQuerySet.as_manager()

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

    # --- who may do what: the owner, then managers and viewers (AccountAccess) ------------
    # Read from the database on every call: removing someone's access holds at once.

    def role_of(self, user) -> str | None:
        """The user's role here: "owner", "manager", "viewer", or None (no access)."""
        if not user.is_authenticated:
            return None
        if self.owner_id == user.pk:
            return OWNER
        return self.accesses.filter(user=user).values_list("role", flat=True).first()

    def people(self, min_role: str = "viewer") -> list:
        """The people with at least `min_role` on this account, the owner first."""
        rank = ROLE_RANK[min_role]
        roles = [
            role for role, role_rank in ROLE_RANK.items() if role != OWNER and role_rank >= rank
        ]
        shared = (
            self.accesses.filter(role__in=roles).select_related("user").order_by("granted_at", "pk")
        )
        return [self.owner, *(access.user for access in shared)]

    # --- the lifecycle: each one conditional UPDATE; True when it happened ---------------

    def _move(self, expected: models.Q, **fields) -> bool:
        """UPDATE this row to `fields` if it matches `expected`; mirror them when it did."""
        changed = XAccount.objects.filter(expected, pk=self.pk).update(**fields) == 1
        if changed:
            for name, value in fields.items():
                setattr(self, name, value)
        return changed

    def pause(self, reason: str = "Paused by its owner.") -> bool:
        """Stop polling an active account; False when it was not active."""
        return self._move(
            models.Q(state=self.State.ACTIVE), state=self.State.PAUSED, state_reason=reason
        )

    def resume(self, now: datetime | None = None) -> bool:
        """Poll a paused account again, starting now; False when it was not paused."""
        return self._move(
            models.Q(state=self.State.PAUSED),
            state=self.State.ACTIVE,
            state_reason="",
            next_poll_at=now or timezone.now(),
        )

    def poll_now(self, now: datetime | None = None) -> bool:
        """Make an active account due now (the beat tick claims it within a minute)."""
        return self._move(models.Q(state=self.State.ACTIVE), next_poll_at=now or timezone.now())

    def require_reauth(self, reason: str) -> bool:
        """Stop polling until the owner links the account again (X refused its tokens, or
        an administrator asks); False when it is unlinked."""
        return self._move(
            ~models.Q(state=self.State.REVOKED),
            state=self.State.NEEDS_REAUTH,
            state_reason=reason,
            next_poll_at=None,
        )

    def reschedule(self, next_poll_at: datetime) -> bool:
        """Set when the next poll is due (after a failed or rate-limited poll); False when
        the account is no longer active, so a pause made meanwhile stands."""
        return self._move(models.Q(state=self.State.ACTIVE), next_poll_at=next_poll_at)

    def record_poll(
        self, polled_at: datetime, *, next_poll_at: datetime | None = None, sweep: bool = False
    ) -> bool:
        """After a poll that succeeded: when it ran, what it advanced (newest_tweet_id,
        has_promoted, as set on this instance) and, for a sweep, last_public_sweep_at;
        otherwise the next poll's time. False when the account is no longer active."""
        fields = {
            "last_poll_at": polled_at,
            "newest_tweet_id": self.newest_tweet_id,
            "has_promoted": self.has_promoted,
        }
        if sweep:
            fields["last_public_sweep_at"] = polled_at
        else:
            fields["next_poll_at"] = next_poll_at
        return self._move(models.Q(state=self.State.ACTIVE), **fields)

    def unlink(self, *, keep_history: bool) -> bool:
        """Stop polling for good. Keeping the history: forget the tokens and mark it
        unlinked (False when it already was). Otherwise delete it with everything polled
        (False when it was already gone)."""
        if not keep_history:
            deleted, _ = XAccount.objects.filter(pk=self.pk).delete()
            return deleted > 0
        return self._move(
            ~models.Q(state=self.State.REVOKED),
            tokens_encrypted="",
            token_expires_at=None,
            state=self.State.REVOKED,
            state_reason=f"Unlinked on {timezone.now():%Y-%m-%d}; its history is kept.",
            next_poll_at=None,
        )


OWNER = "owner"


class AccountAccess(models.Model):
    """Someone other than the owner who may see an account (viewer) or also pause, resume,
    poll it now and set its alert rules (manager). Only the owner grants and removes it."""

    class Role(models.TextChoices):
        MANAGER = "manager", "Manager"
        VIEWER = "viewer", "Viewer"

    # Their indexes lead accountaccess_once and accountaccess_user_idx: no index of their own.
    account = models.ForeignKey(
        XAccount, on_delete=models.CASCADE, related_name="accesses", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_accesses",
        db_index=False,
    )
    role = models.CharField(max_length=7, choices=Role.choices, default=Role.VIEWER)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user"], name="accountaccess_once"),
        ]
        indexes = [
            # XAccountQuerySet.visible_to / managed_by: WHERE user_id = ?
            models.Index(fields=["user", "role"], name="accountaccess_user_idx"),
        ]

    def __str__(self):
        return f"{self.user} {self.role} of {self.account}"

    def clean(self):
        if self.account_id and self.user_id == self.account.owner_id:
            raise ValidationError({"user": "This person owns the account: they may do anything."})


# Higher may do everything lower may.
ROLE_RANK = {AccountAccess.Role.VIEWER.value: 1, AccountAccess.Role.MANAGER.value: 2, OWNER: 3}


@functools.cache
def _zone_names() -> tuple[str, ...]:
    # available_timezones() walks the zone files on disk (60-70 ms here), and the field's
    # choices are asked for on every form built, validated and drawn: once per process.
    return tuple(sorted(zoneinfo.available_timezones()))


def _timezone_choices():
    return [(name, name) for name in _zone_names()]


class Profile(models.Model):
    """A dashboard user's preferences: the timezone dashboards and reports use."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    timezone = models.CharField(max_length=64, default="UTC", choices=_timezone_choices)
    # The address the person proved they read (they followed a link mailed to it: a
    # confirmation or their invitation). Mail goes to user.email only while it is this one.
    confirmed_email = models.EmailField(blank=True)
    # The last confirmation link asked for: to which address, and when (resends wait).
    confirmation_sent_to = models.EmailField(blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.user} ({self.timezone})"

    @property
    def email_confirmed(self) -> bool:
        """Whether the person's current address is the one they confirmed."""
        email = self.user.email
        return bool(email) and email.lower() == self.confirmed_email.lower()

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @classmethod
    def of(cls, user) -> "Profile":
        """The user's profile, created with defaults on first use."""
        profile, _ = cls.objects.get_or_create(user=user)
        return profile

    @classmethod
    def of_request_user(cls, user) -> "Profile":
        """Profile.of for request.user, which the sign-in backend read with its profile
        (accounts/backends.py): no query when it has one. Only for request.user, read
        afresh on every request; another User object may hold a profile read long ago."""
        if cls._meta.get_field("user").remote_field.is_cached(user):
            try:
                return user.profile
            except cls.DoesNotExist:
                pass
        return cls.of(user)


class Invitation(models.Model):
    """Someone asked to join by a staff member: the link mailed to `email` (signed,
    expiring, see accounts/invitations.py) lets them create an account, once."""

    email = models.EmailField()
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="invitations_sent",
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When the worker mailed the link; the link works for INVITATION_MAX_AGE from then.
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Invitation for {self.email}"

    def claim_sending(self, now: datetime) -> bool:
        """Mark the link as being mailed now; False when it was (or it was used)."""
        claimed = Invitation.objects.filter(
            pk=self.pk, sent_at__isnull=True, accepted_at__isnull=True
        ).update(sent_at=now)
        if claimed:
            self.sent_at = now
        return claimed == 1

    def release_sending(self) -> None:
        """The mail did not go out: let the next attempt (or a resend) claim it again."""
        Invitation.objects.filter(pk=self.pk, sent_at=self.sent_at).update(sent_at=None)
        self.sent_at = None

    def accept(self, user, now: datetime) -> bool:
        """Use the invitation for `user`; False when it was used already (single use)."""
        accepted = Invitation.objects.filter(pk=self.pk, accepted_at__isnull=True).update(
            accepted_at=now, accepted_by=user
        )
        if accepted:
            self.accepted_at, self.accepted_by = now, user
        return accepted == 1

    def grant_accesses(self, user) -> list["AccountAccess"]:
        """Give `user` the accesses waiting on this invitation (an owner sharing with this
        address), then forget them. An access the person has already is raised to the
        waiting role, never lowered; their own accounts are left alone."""
        granted = []
        for pending in self.pending_accesses.select_related("account"):
            if pending.account.owner_id == user.pk:
                continue
            access, created = AccountAccess.objects.get_or_create(
                account=pending.account,
                user=user,
                defaults={"role": pending.role, "granted_by": pending.granted_by},
            )
            if not created and ROLE_RANK[pending.role] > ROLE_RANK[access.role]:
                access.role = pending.role
                access.save(update_fields=["role"])
            granted.append(access)
        self.pending_accesses.all().delete()
        return granted


class PendingAccess(models.Model):
    """Access to an account that waits for an invitation: granted to whoever accepts it
    (sharing with an email address invites it, see accounts/sharing.py)."""

    invitation = models.ForeignKey(  # pendingaccess_once leads with it
        Invitation, on_delete=models.CASCADE, related_name="pending_accesses", db_index=False
    )
    account = models.ForeignKey(XAccount, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(
        max_length=7, choices=AccountAccess.Role.choices, default=AccountAccess.Role.VIEWER
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["invitation", "account"], name="pendingaccess_once"),
        ]

    def __str__(self):
        return f"{self.invitation.email} {self.role} of {self.account}"
