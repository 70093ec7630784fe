"""The account mails (invitations, address confirmations): a subject and a plain-text body
each, from accounts/email/{name}-subject.txt and {name}-body.txt, rendered from one context."""

from django.core.mail import EmailMessage
from django.template.loader import render_to_string


def send(name: str, context: dict, to: str) -> None:
    """Render the message `name` and send it to one address (raises what SMTP raises)."""
    subject = render_to_string(f"accounts/email/{name}-subject.txt", context)
    body = render_to_string(f"accounts/email/{name}-body.txt", context)
    EmailMessage(subject=" ".join(subject.split()), body=body, to=[to]).send()
