"""Browser harness: Playwright driving Debian's Chromium against the real app.

The app runs as an operator would run it (``muster migrate``, ``muster demo`` when the demo
exists, ``muster serve``) in a subprocess on a free loopback port over a fresh SQLite file.
Playwright never downloads a browser here (``playwright install`` fails offline): it starts
``/usr/bin/chromium`` (or ``MUSTER_CHROMIUM``). Without Chromium the tests skip, unless
``MUSTER_REQUIRE_BROWSER=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from server.settings import PROJECT_ROOT
from tests.e2e.live import LiveServer, muster_env, run_muster

if TYPE_CHECKING:
    from playwright.async_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        Playwright,
        Request,
        Route,
    )

CHROMIUM = os.environ.get("MUSTER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # runs as root in containers; the page is our own app
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # no calls home: the network log must be ours only
    "--disable-component-update",
    "--disable-sync",
    # No outside host resolves: a test can never reach the internet, whatever a page does.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
PHONE_WIDTH, PHONE_HEIGHT = 390, 844
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
HAS_DEMO = (PROJECT_ROOT / "server" / "demo" / "__init__.py").exists()


def _unavailable(reason: str) -> None:
    if os.environ.get("MUSTER_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here (MUSTER_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
async def driver() -> AsyncIterator[Playwright]:
    # The async API shares pytest-asyncio's session loop; the sync API would run a loop of
    # its own in this thread and break every async fixture after it.
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        _unavailable("the playwright package is not installed: pip install -e '.[dev]'")
    async with async_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
async def browser(driver: Playwright) -> AsyncIterator[Browser]:
    instance = await driver.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield instance
    await instance.close()


@pytest.fixture(scope="session")
def e2e_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def mail_dir(e2e_workdir: Path) -> Path:
    """Where the live server writes its mail as .eml files (it has no SMTP_HOST)."""
    return e2e_workdir / "mail"


@pytest.fixture(scope="session")
def live_server(e2e_workdir: Path, mail_dir: Path) -> Iterator[str]:
    """The real app over a fresh SQLite file; yields its base URL."""
    workdir = e2e_workdir
    env = muster_env(workdir / "e2e.db", MAIL_DIR=str(mail_dir))
    steps = [("migrate",), ("demo",)] if HAS_DEMO else [("migrate",)]
    for step in steps:
        result = run_muster(*step, env=env)
        assert result.returncode == 0, f"muster {step[0]} failed:\n{result.stderr}"
    server = LiveServer(env, workdir)
    try:
        server.wait_healthy()
        yield server.url
    finally:
        server.stop()


@dataclass
class PageLog:
    """What a page did besides rendering: every request it made and every console complaint."""

    base_url: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        own = self.base_url.rstrip("/") + "/"
        local = ("data:", "blob:", "about:")
        return [
            u for u in self.requests if not (u + "/").startswith(own) and not u.startswith(local)
        ]

    def csp_violations(self) -> list[str]:
        return [m for m in self.console_errors if re.search(r"Content.Security.Policy", m, re.I)]


def phone_options(live_server: str) -> dict[str, Any]:
    """A 390x844 touch phone, as Playwright's context options."""
    return {
        "base_url": live_server,
        "viewport": {"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
        "screen": {"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
        "has_touch": True,
        "is_mobile": True,
        "device_scale_factor": 2,
        "locale": "en-GB",
    }


@pytest.fixture
async def phone(browser: Browser, live_server: str) -> AsyncIterator[BrowserContext]:
    """A 390x844 touch phone with its own cookies."""
    context = await browser.new_context(
        **phone_options(live_server),
        service_workers="block",  # each test sees the network, not a cache from the last one
    )
    context.set_default_timeout(10_000)
    yield context
    await context.close()


@pytest.fixture
async def pwa(browser: Browser, live_server: str) -> AsyncIterator[BrowserContext]:
    """A phone whose service worker runs (fresh profile: no worker or cache from before).

    No request routing on this one: Chromium sends requests past the service worker while
    Playwright intercepts them, so the tests check the network log for other origins
    instead of refusing them (Chromium runs with background networking off).
    """
    context = await browser.new_context(**phone_options(live_server), service_workers="allow")
    context.set_default_timeout(10_000)
    yield context
    await context.close()


@pytest.fixture
async def installed_profile(
    driver: Playwright, live_server: str, tmp_path: Path
) -> AsyncIterator[BrowserContext]:
    """A phone with a real (non-incognito) profile: Chromium installs apps only there."""
    context = await driver.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        service_workers="allow",
        **phone_options(live_server),
    )
    context.set_default_timeout(10_000)
    yield context
    await context.close()


def watch(tab: Page, log: PageLog) -> None:
    """Record every request, console error and script error of ``tab`` in ``log``."""

    def on_request(req: Request) -> None:
        log.requests.append(req.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            log.console_errors.append(message.text)

    def on_page_error(error: Any) -> None:
        log.page_errors.append(str(error))

    tab.on("request", on_request)
    tab.on("console", on_console)
    tab.on("pageerror", on_page_error)


async def save_screenshot(tab: Page, name: str, *, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    await tab.screenshot(path=str(SCREENSHOTS / f"{safe}.png"), full_page=full_page)


@pytest.fixture
async def page(
    phone: BrowserContext, live_server: str, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Page, PageLog]]:
    """A page on the phone whose requests and console errors are recorded.

    Requests to any other origin are recorded, then refused, so a test never reaches the
    internet. A screenshot of the final state lands in test-artifacts/screenshots/.
    """
    log = PageLog(live_server)
    tab = await phone.new_page()
    watch(tab, log)
    await tab.route(lambda url: not url.startswith(live_server + "/"), _refuse)
    yield tab, log
    try:
        await save_screenshot(tab, request.node.name)
    finally:
        await tab.close()


@pytest.fixture
async def pwa_page(
    pwa: BrowserContext, live_server: str, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[Page, PageLog]]:
    """Like ``page``, on the phone whose service worker runs (see ``pwa``)."""
    log = PageLog(live_server)
    tab = await pwa.new_page()
    watch(tab, log)
    yield tab, log
    try:
        if not tab.is_closed():
            await save_screenshot(tab, request.node.name)
    finally:
        await tab.close()


async def _refuse(route: Route) -> None:
    await route.abort()
