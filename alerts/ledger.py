"""The alert ledger: claim an alert, then hand it to delivery, in one transaction.

1. An alert is claimed by inserting its ledger row (Alert), which a unique constraint lets
   only one writer win: (rule, Tweet) for a Tweet's alerts, (incident, event) for health.
   get_or_create inside a transaction, as the report ledger does (reports/sending.py): a
   replayed poll, a second beat or two workers checking at once find the row and stop.
2. The winner calls notifications.delivery.notify in the same transaction, keyed by the
   row ("alert:<id>"): the deliveries commit with the claim or not at all, and notify is
   itself idempotent on (key, destination).

Nothing is sent twice and nothing claimed is lost: if the transaction fails, neither the
row nor its deliveries exist, and the next poll (or the beat's health check) finds the
Tweet or incident again.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.models import XAccount
from notifications.delivery import Message, notify
from tweets.models import Tweet

from .models import Alert, AlertRule, Incident

logger = logging.getLogger(__name__)

INCIDENT_TEXT = {
    Incident.Kind.REAUTH: "X refused the stored authorisation, so polling has stopped. "
    "Its owner can re-link it from the accounts page.",
    Incident.Kind.FAILING: "Its polls have failed for an hour (X answered with errors or "
    "not at all); metricsdash keeps trying.",
    Incident.Kind.RATE_LIMITED: "X's rate limit has held its polls back for more than two "
    "polling slots.",
}


def recipients(account: XAccount) -> list:
    """Who hears of an account's alerts: its owner and managers, the owner first."""
    return account.people(min_role="manager")


def _link(name: str, *args) -> str:
    return f"{settings.SITE_URL}{reverse(name, args=args)}"


def _claim_and_notify(account: XAccount, lookup: dict, fields: dict, message: Message):
    people = recipients(account)
    names = ", ".join(person.get_username() for person in people)[:500]
    with transaction.atomic():
        alert, created = Alert.objects.get_or_create(
            **lookup,
            defaults={"account": account, "title": message.title[:200], "recipients": names}
            | fields,
        )
        if not created:
            return None
        notify(people, message, alert.key)
    logger.info("Alert %s raised: %s", alert.pk, alert.title)
    return alert


def raise_tweet_alert(
    rule: AlertRule, tweet_id: int, value: int, usual: float | None, references, now: datetime
) -> Alert | None:
    """Claim and deliver the alert of `rule` on a Tweet; None when it was raised already."""
    tweet = Tweet.objects.select_related("account").get(pk=tweet_id)
    account = tweet.account
    label = rule.get_metric_display().lower()
    age = _age(now - tweet.created_at)
    if rule.kind == AlertRule.Kind.SPIKE:
        title = f"@{account.username}: a Tweet is doing {value / usual:.1f} times its usual {label}"
        fields = {
            label.capitalize(): f"{value:,}",
            f"Usual at {age}": f"{usual:,.0f} (median of {references} Tweets)",
        }
    else:
        title = f"@{account.username}: a Tweet reached {rule.threshold:,} {label}"
        fields = {label.capitalize(): f"{value:,}", "Age": age}
    message = Message(
        kind=str(rule.kind),
        title=title,
        text=tweet.text[:200],
        url=_link("dashboard:tweet", tweet.pk),
        fields=fields,
        severity="info",
    )
    found = {"value": value, "usual": usual, "references": references}
    return _claim_and_notify(account, {"rule": rule, "tweet": tweet}, found, message)


def raise_incident_alert(incident: Incident, event: str) -> Alert | None:
    """Claim and deliver an incident's "raised" or "recovered" alert; None when it was
    raised already."""
    account = incident.account
    kind_label = incident.get_kind_display().lower()
    if event == Alert.Event.RAISED:
        title = f"@{account.username}: {kind_label}"
        text = INCIDENT_TEXT[incident.kind]
        kind, severity = str(incident.kind), "warning"
    else:
        title = f"@{account.username} recovered: no longer {kind_label}"
        text = "Polling is back to normal."
        kind, severity = "recovered", "info"
    fields = {"Since": f"{incident.started_at:%Y-%m-%d %H:%M} UTC"}
    if incident.recovered_at:
        fields["Recovered"] = f"{incident.recovered_at:%Y-%m-%d %H:%M} UTC"
    message = Message(
        kind=kind,
        title=title,
        text=text,
        url=_link("accounts:list"),
        fields=fields,
        severity=severity,
    )
    lookup = {"incident": incident, "event": event}
    return _claim_and_notify(account, lookup, {}, message)


def _age(age) -> str:
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours < 48 else f"{hours // 24} days"
