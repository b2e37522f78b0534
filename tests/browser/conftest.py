"""Browser journeys against the real server: `joinery demo --no-serve`, then `joinery serve`.

The server runs in its own process with its own database (a fresh PostgreSQL database when
DATABASE_URL points at PostgreSQL, otherwise a SQLite file in a temporary directory). The tests
never touch pytest-django's test database: they see the application only through Chromium.

Every page a test visits is checked with axe-core (`ui.check(page)`); the paths checked are
written to test-results/axe-pages.txt.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.servers import (
    REPO,
    load_demo,
    server_database,
    server_env,
    start_server,
    wait_for_health,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
RESULTS = REPO / "test-results"
AXE_STATIC_PATH = "/static/vendor/axe-core/axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def demo_password() -> str:
    from joinery.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def has_mfa(email: str) -> bool:
    """Whether the demo gives this person TOTP two-factor authentication."""
    from joinery.demo import PEOPLE

    return any(mfa for person_email, _name, mfa, _description in PEOPLE if person_email == email)


@pytest.fixture(scope="session")
def live_server_url() -> Iterator[str]:
    """The demo, served by gunicorn with a task worker, on a free local port."""
    with tempfile.TemporaryDirectory(prefix="joinery-browser-") as tmp:
        var_dir = Path(tmp)
        with server_database(var_dir, prefix="joinery_browser_") as database_url:
            env = server_env(var_dir, database_url)
            load_demo(env)
            log = var_dir / "server.log"
            server = start_server(env, log, with_worker=True, wait=False)
            try:
                wait_for_health(server)
                yield server.url
            finally:
                server.stop()
                RESULTS.mkdir(exist_ok=True)  # the server's log, for reading after a failure
                shutil.copy(log, RESULTS / "browser-server.log")


# --- the browser ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is required for the browser tests and was not found at {CHROMIUM}. "
                    "Install Debian's chromium package (`make browser`).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


# --- two-factor codes ------------------------------------------------------------------------

def _totp_counter() -> int:
    from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time

    return next(iter(yield_hotp_counters_from_time()))


def _totp(counter: int) -> str:
    """The code an authenticator app shows for the demo's TOTP secret (joinery.demo)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from joinery.demo import DEMO_TOTP_SECRET

    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))


# --- axe-core ---------------------------------------------------------------------------------

LOAD_SCRIPT = """(src) => new Promise((resolve, reject) => {
  const script = document.createElement("script");
  script.src = src;
  script.onload = () => resolve();
  script.onerror = () => reject(new Error("could not load " + src));
  document.head.appendChild(script);
})"""

AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html.slice(0, 300),
                              summary: n.failureSummary}))
  }));
}"""


def format_violations(path: str, violations: list[dict]) -> str:
    lines = [f"axe-core found {len(violations)} violation(s) on {path}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:10]:
            lines.append(f"    at {node['target']}: {node['html']}")
            if node.get("summary"):
                lines.append("      " + node["summary"].replace("\n", "\n      "))
    return "\n".join(lines)


@dataclass
class UI:
    """What the journeys share: the server's address, the axe check and signed-in contexts."""

    base_url: str
    browser: object
    checked: set = field(default_factory=set)
    _states: dict = field(default_factory=dict)
    _used_totp: dict = field(default_factory=dict)
    _contexts: list = field(default_factory=list)

    # axe
    def check(self, page, note: str = "") -> None:
        """Run axe-core on the page as it is now; fail on any violation."""
        path = urlsplit(page.url).path
        query = urlsplit(page.url).query
        if query:
            path += "?" + query
        if getattr(page, "js_enabled", True):
            violations = self._run_axe(page)
        else:
            violations = self._run_axe_on_copy(page)
        self.checked.add(path + (f"  [{note}]" if note else ""))
        _write_checked(self.checked)
        assert not violations, format_violations(page.url, violations)
        problems, page.problems[:] = list(getattr(page, "problems", [])), []
        assert not problems, f"{page.url}:\n" + "\n".join(problems)

    def _run_axe(self, page) -> list[dict]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # A same-origin script, which our Content-Security-Policy (script-src 'self') allows;
            # add_script_tag(path=...) would make an inline script, which it blocks.
            # Playwright's add_script_tag fails on any CSP report while it waits (the network
            # map's cytoscape sets inline styles), so the script element is added here instead.
            page.evaluate(LOAD_SCRIPT, self.base_url + AXE_STATIC_PATH)
        return page.evaluate(AXE_RUN, AXE_TAGS)

    def _run_axe_on_copy(self, page) -> list[dict]:
        """Check a page rendered without JavaScript.

        Where JavaScript is disabled, axe cannot run in the page (Playwright's evaluate never
        gets a script context). So the page as the browser parsed it, without its <script>
        elements, is served at the same address to a JavaScript-enabled page, which loads the
        same stylesheets, and axe runs there.
        """
        html = re.sub(r"<script\b[^>]*>.*?</script>", "", page.content(), flags=re.S | re.I)
        # The browser never sends the #fragment, so the route matches the address without it
        # (else the real page would be fetched, signed out).
        url = page.url.split("#", 1)[0]
        checker_context = self.browser.new_context(viewport=page.viewport_size)
        try:
            checker = checker_context.new_page()
            checker.route(lambda u: u == url, lambda route: route.fulfill(
                status=200, content_type="text/html; charset=utf-8", body=html))
            checker.goto(url)
            return self._run_axe(checker)
        finally:
            checker_context.close()

    def goto(self, page, path: str, note: str = "", status: int = 200):
        response = page.goto(self.base_url + path if path.startswith("/") else path)
        assert response is not None and response.status == status, (
            f"GET {path} answered {response.status if response else 'nothing'}, expected {status}")
        self.check(page, note)
        return response

    # contexts
    def new_context(self, *, js: bool = True, storage_state=None, browser=None, **kwargs):
        """A new browser context; `browser` is another launched browser (default: the session's)."""
        context = (browser or self.browser).new_context(base_url=self.base_url, java_script_enabled=js,
                                                        storage_state=storage_state, **kwargs)
        context.set_default_timeout(15_000)
        self._contexts.append(context)
        return context

    def new_page(self, *, js: bool = True, storage_state=None, **kwargs):
        context = self.new_context(js=js, storage_state=storage_state, **kwargs)
        page = context.new_page()
        page.js_enabled = js
        # Script errors and Content-Security-Policy refusals fail the next check of the page.
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(f"uncaught script error: {error}"))
        page.on("console", lambda msg: page.problems.append(f"console: {msg.text}")
                if msg.type == "error" and "Content Security Policy" in msg.text else None)
        return page

    def totp_code(self, email: str) -> str:
        """A TOTP code this person has not used yet: allauth refuses a code used before."""
        used = self._used_totp.setdefault(email, set())
        while True:
            counter = _totp_counter()
            left = 30 - time.time() % 30
            if counter not in used and left > 8:
                break
            time.sleep(left + 0.2)  # wait for the next 30-second window
        used.add(counter)
        return _totp(counter)

    def wrong_totp_code(self) -> str:
        now = _totp_counter()
        valid = {_totp(now + d) for d in (-1, 0, 1)}
        return next(code for code in ("000000", "111111", "222222") if code not in valid)

    def sign_in(self, page, email: str, *, note: str = "") -> None:
        """Sign in through the real forms (and the TOTP step for people with MFA)."""
        self.goto(page, "/accounts/login/", note=note)
        page.locator("input[name=login]").fill(email)
        page.locator("input[name=password]").fill(demo_password())
        with page.expect_navigation():
            page.locator("input[name=password]").press("Enter")
        if has_mfa(email):
            assert "/2fa/" in page.url, f"expected the two-factor step after the password, got {page.url}"
            self.check(page, note)
            page.locator("input[name=code]").fill(self.totp_code(email))
            with page.expect_navigation():
                page.locator("input[name=code]").press("Enter")
        assert urlsplit(page.url).path == "/dashboard/", f"sign-in as {email} ended at {page.url}"
        self.check(page, note)
        self._states[email] = page.context.storage_state()

    def signed_in_page(self, email: str, *, js: bool = True, browser=None):
        """A new page in a new context, signed in as `email` (signing in once per session)."""
        if email not in self._states:
            page = self.new_page()
            self.sign_in(page, email)
            page.context.close()
        return self.new_page(js=js, storage_state=self._states[email], browser=browser)

    def forget(self, email: str) -> None:
        """The person signed out: their saved session is gone on the server."""
        self._states.pop(email, None)

    def remember(self, email: str, page) -> None:
        self._states[email] = page.context.storage_state()


def _write_checked(checked: set) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "axe-pages.txt").write_text("".join(f"{p}\n" for p in sorted(checked)))


@pytest.fixture(scope="session")
def _ui_session(live_server_url, browser) -> Iterator[UI]:
    u = UI(base_url=live_server_url, browser=browser)
    yield u
    _write_checked(u.checked)


@pytest.fixture
def ui(_ui_session) -> Iterator[UI]:
    """The shared UI helper; closes the browser contexts the test opened."""
    yield _ui_session
    while _ui_session._contexts:
        with contextlib.suppress(Exception):
            _ui_session._contexts.pop().close()
