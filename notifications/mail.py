"""An alert as an email: subject, plain text and HTML from notifications/email/alert-*,
with List-Id (so mail clients can filter alerts) and Auto-Submitted headers."""

from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def alert_email(message: dict, to: str, delivery_id: int) -> EmailMultiAlternatives:
    """The email for one delivery of `message` (Message.as_json) to one address."""
    context = {
        "message": message,
        "settings_url": settings.SITE_URL + reverse("notifications:settings"),
    }
    subject = render_to_string("notifications/email/alert-subject.txt", context)
    email = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("notifications/email/alert-body.txt", context),
        to=[to],
        headers={
            "Message-ID": make_msgid(f"alert.{delivery_id}", domain=_domain()),
            "List-Id": f"metricsdash alerts <alerts.{_domain()}>",
            "Auto-Submitted": "auto-generated",
        },
    )
    email.attach_alternative(
        render_to_string("notifications/email/alert-body.html", context), "text/html"
    )
    return email
