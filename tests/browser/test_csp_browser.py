"""Every page under the Content-Security-Policy in chromium: zero violations (the `tab`
fixture fails any test on one), every chart drawn; and the production header itself."""

import pytest
from django.test import Client, override_settings

from tests.conftest import PASSWORD
from tweets import polling
from tweets.models import Tweet

pytestmark = pytest.mark.django_db(transaction=True)

CHARTS_REGISTERED = """n => {
    const canvases = [...document.querySelectorAll("canvas")];
    return canvases.length >= n && canvases.every(canvas => Chart.getChart(canvas));
}"""
CHARTS_DRAWN = """() => [...document.querySelectorAll("canvas")].map(canvas => {
    const chart = Chart.getChart(canvas);
    return [canvas.id, chart ? chart.data.datasets.reduce((n, d) => n + d.data.length, 0) : 0];
})"""


@pytest.fixture
def installation(clock, link, alice):
    """alice, staff of the installation, with @sandbox_demo polled for three hours."""
    alice.is_staff = alice.is_superuser = True
    alice.save()
    account = link("sandbox_demo")
    polling.poll_account(account)
    for _ in range(3):
        clock.advance(3600)
        polling.poll_account(account)
    return account


def pages(account) -> dict[str, int]:
    """Each page's path and how many charts it draws at least."""
    tweets = Tweet.objects.filter(account=account, kind="original")
    video = tweets.filter(media__type="video", media__samples__isnull=False).first()
    plain = tweets.exclude(media__type="video").exclude(pk=video.pk).first()
    ids = ",".join(str(t.pk) for t in tweets.order_by("-created_at")[:3])
    return {
        "/dashboard/?period=7": 2,
        f"/dashboard/tweets/{plain.pk}/": 4,
        f"/dashboard/tweets/{video.pk}/": 6,
        f"/dashboard/compare/?ids={ids}&window=30d": 1,
        "/dashboard/timing/": 0,
        "/dashboard/settings/": 0,
        "/accounts/": 0,
        f"/accounts/{account.pk}/sharing/": 0,
        "/reports/": 0,
        f"/alerts/accounts/{account.pk}/": 0,
        "/admin/": 0,
        "/admin/health/": 0,
        "/admin/tweets/pollrun/": 0,
        # Forms with the admin's own scripts (date pickers, related-object popups, filters).
        f"/admin/accounts/xaccount/{account.pk}/change/": 0,
        "/admin/reports/reportsubscription/add/": 0,
        "/admin/auth/user/add/": 0,
    }


def test_every_page_loads_with_no_violation_and_every_chart_drawn(installation, tab, settings):
    settings.SIGNUP = "open"  # the sign-up form, too
    tab.open("/auth/signup/")
    tab.open("/admin/login/")
    tab.sign_in("alice", PASSWORD)
    drawn = {}
    for path, expected in pages(installation).items():
        tab.open(path)
        if expected:
            tab.page.wait_for_function(CHARTS_REGISTERED, arg=expected)
        charts = tab.page.evaluate(CHARTS_DRAWN) if expected else []
        drawn[path] = charts
        assert len(charts) >= expected, f"{path}: {charts}"
        assert all(points > 0 for _, points in charts), f"{path}: an empty chart {charts}"
        assert not tab.csp_violations, "\n".join([path, *tab.csp_violations])
    print({path: len(charts) for path, charts in drawn.items()})
    assert tab.errors == [], [u for u in tab.requests if "favicon" in u]


@override_settings(DEBUG=False, SECURE_SSL_REDIRECT=False)
def test_production_header_forbids_inline_code_and_framing(alice):
    client = Client()
    client.force_login(alice)
    header = client.get("/dashboard/settings/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in header.split(";"))
    print(header)
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
