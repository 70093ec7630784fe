"""Signed one-click unsubscribe links: no login, no state kept for the link itself.

The link carries the subscription id signed with SECRET_KEY and a salt of its own, so it
cannot be forged or altered, nor swapped with any other signed value the product makes.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from .models import ReportSubscription

SALT = "reports.unsubscribe"


def token_for(subscription: ReportSubscription) -> str:
    return signing.dumps({"s": subscription.pk, "u": subscription.user_id}, salt=SALT)


def url_for(subscription: ReportSubscription) -> str:
    """The absolute https (SITE_URL) address of the subscription's unsubscribe page."""
    path = reverse("reports:unsubscribe", args=[token_for(subscription)])
    return f"{settings.SITE_URL}{path}"


def read(token: str) -> ReportSubscription | None:
    """The subscription a genuine token names; None for a forged or altered token.

    Raises ReportSubscription.DoesNotExist when the token is genuine but the subscription
    is gone (its person was deleted): nothing is left to unsubscribe from.
    """
    try:
        data = signing.loads(token, salt=SALT)
        subscription_id, user_id = int(data["s"]), int(data["u"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return ReportSubscription.objects.select_related("user").get(
        pk=subscription_id, user_id=user_id
    )


def unsubscribe(subscription: ReportSubscription) -> bool:
    """Turn the report off; False when it was already off (the link works once)."""
    return bool(
        ReportSubscription.objects.filter(pk=subscription.pk, enabled=True).update(
            enabled=False, next_send_at=None, unsubscribed_at=timezone.now()
        )
    )
