"""Health incidents of an account's polling: open one when trouble starts, close it when
it ends, and alert the owner and managers once for each (alerts/ledger.py).

Troubles, read from the account's state and its poll runs since the last ok poll:
- reauth: the account needs re-authorisation (X refused its tokens, or an administrator
  asked). Recovers when it is active again (re-linked).
- failing: no ok poll for FAILING_AFTER and polls failed since. Recovers with an ok poll.
- rate_limited: X's rate limit has held the account back for more than two polling slots
  since its first rate-limited poll. Recovers with an ok poll.

An incident of an account that was paused or unlinked meanwhile closes without a
"recovered" alert (nobody is waiting for that account to poll). The partial unique
constraint keeps one open incident per (account, kind), so two checkers at once open one.
"""

from datetime import datetime, timedelta

from django.db import models, transaction

from accounts.models import XAccount
from tweets.models import PollRun
from tweets.schedule import Schedule

from . import ledger
from .models import Alert, Incident

FAILING_AFTER = timedelta(hours=1)
HELD_BACK_SLOTS = 2


def _held_back_after() -> timedelta:
    return HELD_BACK_SLOTS * Schedule.from_settings().discovery_interval


def troubles(account: XAccount, now: datetime) -> dict[str, datetime]:
    """The account's troubles now: {incident kind: when it began}."""
    polls = PollRun.objects.filter(account=account, kind=PollRun.Kind.POLL)
    last_ok = (
        polls.filter(outcome=PollRun.Outcome.OK)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    since_ok = polls.filter(started_at__gt=last_ok) if last_ok else polls
    first = dict(
        since_ok.values("outcome")
        .annotate(first=models.Min("started_at"))
        .values_list("outcome", "first")
    )
    found = {}
    if account.state == XAccount.State.NEEDS_REAUTH:
        found[Incident.Kind.REAUTH] = first.get(PollRun.Outcome.UNAUTHORIZED, now)
    if account.state != XAccount.State.ACTIVE:
        return found
    failed = first.get(PollRun.Outcome.FAILED)
    if failed and now - (last_ok or account.linked_at) >= FAILING_AFTER:
        found[Incident.Kind.FAILING] = failed
    limited = first.get(PollRun.Outcome.RATE_LIMITED)
    if limited and now - limited > _held_back_after():
        found[Incident.Kind.RATE_LIMITED] = limited
    return found


def check(account: XAccount, now: datetime) -> list[Alert]:
    """Open and close the account's incidents as its troubles say; returns the alerts
    raised (none on a second check of the same state)."""
    raised = []
    current = troubles(account, now)
    open_incidents = {i.kind: i for i in Incident.objects.open().filter(account=account)}
    for kind, started_at in current.items():
        if kind in open_incidents:
            continue
        with transaction.atomic():
            incident, created = Incident.objects.get_or_create(
                account=account,
                kind=kind,
                recovered_at=None,
                defaults={"started_at": started_at},
            )
            if not created:
                continue
            alert = ledger.raise_incident_alert(incident, Alert.Event.RAISED)
        if alert:
            raised.append(alert)
    for kind, incident in open_incidents.items():
        if kind in current:
            continue
        # Ended by a pause or unlinking rather than by polling again: nothing to announce.
        quietly = account.state != XAccount.State.ACTIVE
        with transaction.atomic():
            closed = Incident.objects.filter(pk=incident.pk, recovered_at__isnull=True).update(
                recovered_at=now, closed_quietly=quietly
            )
            if not closed or quietly:
                continue
            incident.recovered_at = now
            alert = ledger.raise_incident_alert(incident, Alert.Event.RECOVERED)
        if alert:
            raised.append(alert)
    return raised


def accounts_to_check(now: datetime):
    """Accounts whose health may have changed without a poll: needing re-authorisation,
    with an open incident, or active with no ok poll for two slots (the beat checks them)."""
    quiet_since = now - _held_back_after()
    return XAccount.objects.filter(
        models.Q(state=XAccount.State.NEEDS_REAUTH)
        | models.Q(pk__in=Incident.objects.open().values("account"))
        | models.Q(state=XAccount.State.ACTIVE, last_poll_at__lt=quiet_since)
        | models.Q(state=XAccount.State.ACTIVE, last_poll_at=None, linked_at__lt=quiet_since)
    )
