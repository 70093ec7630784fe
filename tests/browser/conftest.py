"""Playwright's sync API driving Debian's headless chromium against the live server.

The browser is launched once per pytest process; each test gets a fresh context (no
cookies) and a page whose every request and every JavaScript error is recorded, so tests
can assert that a page loads nothing from any host but ours and runs without errors.
"""

import asyncio
import os
from urllib.parse import urlsplit

import pytest

# Debian's chromium-headless-shell: Chromium's old headless shell, the build Playwright
# itself uses for headless runs. It renders with the same engine as the full browser but
# without its UI stack, and costs about 30 % less CPU on the browser tests (84 s -> 60 s
# for tests/browser and the admin walk in one process). CHROMIUM= picks another binary,
# /usr/bin/chromium for instance.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "screenshots")
# Chart.js draws in the browser: waiting for it is a wait on a condition, never a sleep.
WAIT_MS = 15_000


class BrowserProcess:
    """Playwright's driver and chromium, started once per pytest process (each xdist
    worker), parked between the tests that use them.

    Playwright's sync API runs an asyncio loop that it leaves marked as running in this
    thread while it lives, and Django refuses ORM calls (async-unsafe) in a thread with a
    running loop. So the loop is marked running, and DJANGO_ALLOW_ASYNC_UNSAFE set, only
    while a test that asked for the browser runs (its ORM calls are sync, in this thread):
    every other test in the process sees no loop, and Django's check stays whole. Nothing
    of Playwright runs while it is parked (no thread of its own: its loop only turns
    inside a call from this thread)."""

    def __init__(self):
        if not os.path.exists(CHROMIUM):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium-headless-shell (.ci/run)")
        from playwright.sync_api import sync_playwright

        self._manager = sync_playwright()
        playwright = self._manager.start()
        self.loop = asyncio.get_running_loop()
        self.browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self.park()

    def park(self) -> None:
        asyncio.events._set_running_loop(None)

    def resume(self) -> None:
        asyncio.events._set_running_loop(self.loop)

    def stop(self) -> None:
        self.resume()
        self.browser.close()
        self._manager.__exit__(None, None, None)


@pytest.fixture
def chromium(browser_process):
    """The process's browser (tests/conftest.py's browser_process), for this test only:
    every context (and page) the test opened is closed at its end, and the browser parked
    again."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser_process.resume()
        try:
            yield browser_process.browser
            for context in browser_process.browser.contexts:
                context.close()
        finally:
            browser_process.park()


# Every Content-Security-Policy violation of every document the page loads, reported to
# the test through an exposed function (a value stored on window would die on navigation).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", event => window.reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} in ${event.documentURI}`
    + ` (${event.sourceFile}:${event.lineNumber})`
));
"""


class Tab:
    """A page plus what it did: every URL requested, every JavaScript error and every
    Content-Security-Policy violation (the `tab` fixture fails the test on any)."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.csp_violations: list[str] = []
        page.expose_function("reportCspViolation", lambda text: self.csp_violations.append(text))
        page.add_init_script(REPORT_CSP_VIOLATIONS)
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)
        page.set_default_timeout(WAIT_MS)

    def _console(self, message) -> None:
        if message.type != "error":
            return
        self.errors.append(message.text)
        # Chromium also says so on the console, for violations no listener saw.
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def open(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response.status == 200, f"{path}: {response.status}"
        return response

    def sign_in(self, username: str, password: str) -> None:
        self.open("/auth/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_selector("text=Sign out")

    def charts(self, *ids: str) -> dict:
        """Wait until these charts exist, then return what each one holds and whether it
        painted anything: {id: {labels, datasets: [{label, data}], painted}}."""
        self.page.wait_for_function(
            "ids => ids.every(id => window.metricsdashCharts && window.metricsdashCharts[id])",
            arg=list(ids),
        )
        return self.page.evaluate(
            """ids => Object.fromEntries(ids.map(id => {
                const canvas = document.getElementById(id);
                const chart = Chart.getChart(canvas);
                const pixels = canvas.getContext("2d")
                    .getImageData(0, 0, canvas.width, canvas.height).data;
                let painted = 0;
                for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
                return [id, {
                    same: chart === window.metricsdashCharts[id],
                    type: chart.config.type,
                    labels: chart.data.labels,
                    datasets: chart.data.datasets.map(d => ({label: d.label, data: d.data})),
                    painted,
                    width: canvas.width,
                }];
            }))""",
            list(ids),
        )

    def page_data(self, element_id: str):
        return self.page.evaluate(
            "id => JSON.parse(document.getElementById(id).textContent)", element_id
        )

    def screenshot(self, name: str, selector: str | None = None) -> str:
        """The whole page, or one element of it, under tests/screenshots/ (git-ignored)."""
        os.makedirs(SCREENSHOTS, exist_ok=True)
        path = os.path.join(SCREENSHOTS, f"{name}.png")
        if selector:
            self.page.locator(selector).screenshot(path=path)
        else:
            self.page.screenshot(path=path, full_page=True)
        return path

    def foreign_requests(self) -> list[str]:
        ours = urlsplit(self.base_url).netloc
        return [url for url in self.requests if urlsplit(url).netloc != ours]


@pytest.fixture
def tab(chromium, live_server):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    opened = Tab(context.new_page(), live_server.url)
    yield opened
    context.close()
    assert not opened.csp_violations, "\n".join(["CSP violations:", *opened.csp_violations])
