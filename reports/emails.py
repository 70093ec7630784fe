"""Email messages rendered from one template set each, as healthchecks' hc/lib/emails.py does.

A message named `report` has three templates under reports/email/: `report-subject.txt`,
`report-body.txt` (plain text) and `report-body.html`, all rendered from one context.
`RelatedEmail` puts them together as

    multipart/mixed
      multipart/alternative
        text/plain
        multipart/related
          text/html
          image/png (inline, by Content-ID)
      text/csv (attachment)

so clients that show text never see the images, and those that show HTML show them inline.
"""

from dataclasses import dataclass
from email.mime.image import MIMEImage

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import SafeMIMEMultipart
from django.template.loader import render_to_string


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render(name: str, context: dict) -> Rendered:
    """The subject (one line), plain-text and HTML bodies of the message `name`."""
    subject = render_to_string(f"reports/email/{name}-subject.txt", context)
    return Rendered(
        subject=" ".join(subject.split()),
        text=render_to_string(f"reports/email/{name}-body.txt", context),
        html=render_to_string(f"reports/email/{name}-body.html", context),
    )


def inline_image(data: bytes, content_id: str, filename: str) -> MIMEImage:
    """A PNG the HTML part shows with <img src="cid:{content_id}">."""
    image = MIMEImage(data, "png")
    image.add_header("Content-ID", f"<{content_id}>")
    image.add_header("Content-Disposition", "inline", filename=filename)
    return image


class RelatedEmail(EmailMultiAlternatives):
    """Text and HTML alternatives; the HTML travels with its inline images (`related`)."""

    def __init__(self, *args, related=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.related = list(related)

    def _create_alternatives(self, msg):
        if not self.related:
            return super()._create_alternatives(msg)
        encoding = self.encoding or settings.DEFAULT_CHARSET
        alternative = SafeMIMEMultipart(_subtype="alternative", encoding=encoding)
        alternative.attach(msg)  # the plain-text body
        for content, mimetype in self.alternatives:
            part = self._create_mime_attachment(content, mimetype)
            if mimetype == "text/html":
                related = SafeMIMEMultipart(_subtype="related", encoding=encoding)
                related.set_param("type", "text/html")
                related.attach(part)
                for image in self.related:
                    related.attach(image)
                part = related
            alternative.attach(part)
        return alternative


def build(rendered: Rendered, to: list[str], *, related=(), attachments=(), headers=None):
    """A RelatedEmail from rendered templates, ready to send."""
    message = RelatedEmail(
        subject=rendered.subject,
        body=rendered.text,
        to=to,
        headers=headers or {},
        related=related,
    )
    message.attach_alternative(rendered.html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message
