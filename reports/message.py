"""One report as an email message: templates, inline chart, CSV, unsubscribe headers."""

import secrets
from email.utils import make_msgid
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from tweets.metrics import COMPLETION_FORMULA, ENGAGEMENT_FORMULA

from . import chart, emails, unsubscribe
from .content import build_report, csv_bytes
from .models import ReportSubscription
from .schedule import ReportPeriod


def _domain() -> str:
    # Message and Content IDs name our own site, not whatever the host resolves to.
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def report_message(
    subscription: ReportSubscription, period: ReportPeriod, *, preview: bool = False
) -> emails.RelatedEmail:
    """The report of `subscription` for `period`, addressed to its person."""
    user = subscription.user
    report = build_report(subscription.report_accounts(), period)
    png = chart.render_png(report.series, report.previous_series, period)
    # Short, so the Content-ID header is never folded: some clients mishandle that.
    chart_cid = f"chart.{secrets.token_hex(8)}@{_domain()}" if png else ""
    unsubscribe_url = unsubscribe.url_for(subscription)
    context = {
        "report": report,
        "period": period,
        "subscription": subscription,
        "preview": preview,
        "chart_cid": chart_cid,
        "chart_alt": chart.describe(report.series, period),
        "dashboard_url": f"{settings.SITE_URL}/dashboard/",
        "settings_url": f"{settings.SITE_URL}{reverse('reports:settings')}",
        "unsubscribe_url": unsubscribe_url,
        "engagement_formula": ENGAGEMENT_FORMULA,
        "completion_formula": COMPLETION_FORMULA,
    }
    rendered = emails.render("report", context)
    headers = {
        "Message-ID": make_msgid(domain=_domain()),
        # RFC 2369 and RFC 8058: mail clients offer a one-click unsubscribe button.
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }
    filename = f"metricsdash-{subscription.frequency}-{period.first:%Y-%m-%d}.csv"
    return emails.build(
        rendered,
        [user.email],
        related=[emails.inline_image(png, chart_cid, "impressions.png")] if png else [],
        attachments=[(filename, csv_bytes(report.csv_rows), "text/csv")],
        headers=headers,
    )
