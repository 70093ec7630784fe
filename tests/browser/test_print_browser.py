"""Print and share: chromium prints the overview and a Tweet page to A4 PDFs that carry
the period, the "as of" time and every KPI, with no navigation (static/css/print.css)."""

import shutil
import subprocess

import pytest
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Profile
from tests.conftest import PASSWORD
from tweets import periods, polling, rollups
from tweets.models import HourlyRollup, Tweet

pytestmark = pytest.mark.django_db(transaction=True)

A4 = "(A4)"  # pdfinfo names the paper size it measures
# 180 mm of chart width on paper, at the 96 CSS pixels per inch print layout uses.
PAPER_CHART_PX = 180 / 25.4 * 96


@pytest.fixture
def polled(clock, link, alice):
    """@sandbox_demo, linked by alice (who lives in Berlin) and polled for two hours."""
    Profile.objects.create(user=alice, timezone="Europe/Berlin")
    account = link("sandbox_demo")
    polling.poll_account(account)
    for _ in range(2):
        clock.advance(3600)
        polling.poll_account(account)
    account.refresh_from_db()
    return account


def pdf_text(tab, path) -> tuple[str, str]:
    """Print the open page to `path` as chromium does; (its text, pdfinfo's page size)."""
    tab.page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (pdftotext) is missing: see .ci/run"
    text = subprocess.run(
        [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    size = next(line for line in info.stdout.splitlines() if line.startswith("Page size"))
    return " ".join(text.split()), size


def test_the_overview_prints_to_a4_with_the_period_and_every_kpi(polled, tab, tmp_path):
    tab.sign_in("alice", PASSWORD)
    tab.open("/dashboard/?period=7")
    tab.charts("impressions-chart", "engagements-chart")
    text, size = pdf_text(tab, tmp_path / "overview.pdf")
    assert A4 in size

    tz = Profile.objects.get(user__username="alice").zone
    period = periods.last_days(7, tz, timezone.now())
    first, last = period.start.astimezone(tz), (period.end - timezone.timedelta(seconds=1))
    last = last.astimezone(tz)
    assert f"Period: {first:%-d %b %Y} \u2013 {last:%-d %b %Y}" in text
    as_of = polled.last_poll_at.astimezone(tz)
    assert f"As of the last poll, {as_of:%a %-d %b %Y, %H:%M}" in text

    cards = tab.page.locator("[data-kpi]")
    kpis = rollups.kpis([polled.pk], period)
    assert cards.count() >= len(kpis)
    for index in range(cards.count()):
        label = cards.nth(index).locator(".kpi-label").text_content().strip()
        value = cards.nth(index).locator(".kpi-value").text_content().strip()
        # Labels print in capitals (text-transform); cards sit side by side on paper.
        assert label.upper() in text.upper() and value in text, (label, value)
    impressions = HourlyRollup.objects.filter(
        account=polled, context="total", bucket__gte=period.start, bucket__lt=period.end
    ).aggregate(total=Sum("impressions"))["total"]
    assert impressions > 0 and f"{impressions:,}" in text
    print(f"overview PDF ({size}): {cards.count()} KPI cards, impressions {impressions:,}")
    for kpi in kpis:
        assert kpi.label.upper() in text.upper()
    # No navigation or controls on paper.
    assert "Sign out" not in text and "Compare ticked Tweets" not in text
    assert tab.foreign_requests() == []


def test_charts_fit_the_paper_and_tables_stay_whole(polled, tab):
    tab.sign_in("alice", PASSWORD)
    tab.open("/dashboard/?period=7")
    tab.charts("impressions-chart", "engagements-chart")
    tab.page.emulate_media(media="print")
    tab.page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")
    widths = tab.page.evaluate(
        """() => Object.values(window.metricsdashCharts).map(c => c.width)"""
    )
    assert widths and all(0 < w <= PAPER_CHART_PX + 1 for w in widths), widths
    rules = tab.page.evaluate(
        """() => [getComputedStyle(document.querySelector('table')).breakInside,
                  getComputedStyle(document.querySelector('.site-header')).display]"""
    )
    assert rules == ["avoid", "none"]


def test_a_tweet_page_prints_with_its_period_and_as_of(polled, tab, tmp_path):
    tweet = (
        Tweet.objects.filter(account=polled, kind=Tweet.Kind.ORIGINAL)
        .order_by("-created_at")
        .first()
    )
    tab.sign_in("alice", PASSWORD)
    tab.open(f"/dashboard/tweets/{tweet.pk}/")
    text, size = pdf_text(tab, tmp_path / "tweet.pdf")
    assert A4 in size
    tz = Profile.objects.get(user__username="alice").zone
    created = tweet.created_at.astimezone(tz)
    polled_at = tweet.last_polled_at.astimezone(tz)
    assert f"Period: since posting, {created:%-d %b %Y, %H:%M}" in text
    assert f"As of the last poll, {polled_at:%a %-d %b %Y, %H:%M}" in text
    assert "Sign out" not in text
