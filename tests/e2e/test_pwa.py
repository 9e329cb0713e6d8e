"""The installable, offline-capable app in a real Chromium: install checks, the service
worker's offline behaviour, quick exit and "forget this device"."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from server.web.pwa import QUICK_EXIT_URL
from tests.e2e.checks import (
    assert_clean,
    cache_names,
    controlled_by_worker,
    kept_urls,
)
from tests.e2e.conftest import PageLog, phone_options, save_screenshot, watch
from tests.e2e.volunteer import sign_in_as_demo_organizer

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page, Route

pytestmark = pytest.mark.browser

NEUTRAL_PAGE = "<!doctype html><title>Wikipedia</title><h1>Wikipedia</h1>"


async def _neutral_site(route: Route) -> None:
    """Stands in for the neutral site, so the test never reaches the internet."""
    await route.fulfill(status=200, content_type="text/html", body=NEUTRAL_PAGE)


async def test_installable_and_controlled_by_the_service_worker(
    installed_profile: BrowserContext, live_server: str
) -> None:
    tab = (
        installed_profile.pages[0]
        if installed_profile.pages
        else await installed_profile.new_page()
    )
    log = PageLog(live_server)
    watch(tab, log)
    await tab.goto("/")
    assert await controlled_by_worker(tab)
    cdp = await installed_profile.new_cdp_session(tab)
    manifest = await cdp.send("Page.getAppManifest")
    assert manifest["url"].endswith("/manifest.webmanifest?lang=en") and manifest["errors"] == []
    installability = await cdp.send("Page.getInstallabilityErrors")
    assert installability["installabilityErrors"] == []
    # The worker precached the offline page and this deploy's static files.
    names = await cache_names(tab)
    assert any(n.startswith("muster-static-") for n in names)
    assert any(n.startswith("muster-pages-") for n in names)
    await assert_clean(tab, log)
    await save_screenshot(tab, "installable_home", full_page=False)


async def test_offline_an_unvisited_page_shows_the_offline_page(
    pwa: BrowserContext, pwa_page: tuple[Page, PageLog]
) -> None:
    tab, log = pwa_page
    await tab.goto("/")
    assert await controlled_by_worker(tab)
    event_url = await tab.locator("ol.events h3 a").first.get_attribute("href")
    assert event_url
    await pwa.set_offline(True)
    try:
        # A page never visited: the worker's offline page, not the browser's error page.
        response = await tab.goto(event_url)
        assert response is not None and response.status == 200
        assert await tab.locator("h1").inner_text() == "You are offline"
        assert tab.url.endswith(event_url)
        # The offline page itself, and a link tapped while offline (htmx-boosted).
        await tab.goto("/offline")
        assert await tab.locator("h1").inner_text() == "You are offline"
        await tab.locator("nav a[href='/login']").tap()
        await tab.wait_for_function("() => location.pathname === '/login'")
        await tab.locator("h1", has_text="You are offline").wait_for()
        # The network banner says so.
        assert await tab.locator("#net-status").is_visible()
        await save_screenshot(tab, "offline_page", full_page=False)
    finally:
        await pwa.set_offline(False)
    await assert_clean(tab, log)


async def test_a_kept_page_opens_offline(
    pwa: BrowserContext, pwa_page: tuple[Page, PageLog]
) -> None:
    """The campaign actions (and their scripts) are kept on the phone once visited."""
    tab, log = pwa_page
    await tab.goto("/")
    assert await controlled_by_worker(tab)
    response = await tab.goto("/actions")
    assert response is not None and response.status == 200, "the /actions page is missing"
    title = await tab.title()
    heading = await tab.locator("h1").first.inner_text()
    kept = await kept_urls(tab)
    assert any(url.endswith("/actions") for url in kept), kept
    await pwa.set_offline(True)
    try:
        await tab.reload()
        assert await tab.title() == title
        assert await tab.locator("h1").first.inner_text() == heading
        # Styled from the precache: the stylesheet applied (the top bar is not transparent).
        colour = await tab.evaluate(
            "getComputedStyle(document.querySelector('.bar')).backgroundColor"
        )
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
        # The offline page lists what this phone keeps.
        await tab.goto("/offline")
        listed = tab.locator("[data-kept-list] a")
        await listed.first.wait_for()
        assert any(
            h.endswith("/actions") for h in await listed.evaluate_all("l => l.map(a => a.href)")
        )
    finally:
        await pwa.set_offline(False)
    await assert_clean(tab, log)


async def test_a_new_deploy_replaces_old_caches_but_keeps_the_volunteers_pages(
    pwa_page: tuple[Page, PageLog],
) -> None:
    tab, _ = pwa_page
    # Caches a worker of an earlier deploy left behind (planted from a page without app.js).
    await tab.goto("/manifest.webmanifest")
    await tab.evaluate(
        """async () => {
            await (await caches.open("muster-static-0ld0ld0ld0ld0ld0"))
                .put("/static/css/app.css?v=old", new Response("old"));
            await (await caches.open("muster-pages-0ld0ld0ld0ld0ld0"))
                .put("/offline", new Response("old"));
            await (await caches.open("muster-keep"))
                .put("/my/kept-before", new Response("<title>Mine</title>",
                     {headers: {"Content-Type": "text/html"}}));
        }"""
    )
    await tab.goto("/")
    assert await controlled_by_worker(tab)
    names = await cache_names(tab)
    assert not [n for n in names if "0ld0ld" in n], names
    assert "muster-keep" in names
    assert any(url.endswith("/my/kept-before") for url in await kept_urls(tab))


async def test_quick_exit_replaces_the_page_and_its_history_entry(
    page: tuple[Page, PageLog],
) -> None:
    tab, log = page
    await tab.route(QUICK_EXIT_URL + "**", _neutral_site)
    await tab.goto("/")
    await tab.goto("/login")
    length = await tab.evaluate("history.length")
    await tab.locator(".quick-exit").tap()
    await tab.wait_for_url(QUICK_EXIT_URL)
    assert await tab.title() == "Wikipedia"
    assert await tab.evaluate("history.length") == length  # replaced, not added
    # Back skips the page the volunteer fled from.
    await tab.go_back()
    assert not tab.url.endswith("/login")
    assert tab.url.rstrip("/").endswith(log.base_url.removeprefix("http://").rstrip("/"))
    assert log.page_errors == []


async def test_escape_three_times_is_a_quick_exit(page: tuple[Page, PageLog]) -> None:
    tab, _ = page
    await tab.route(QUICK_EXIT_URL + "**", _neutral_site)
    await tab.goto("/login")
    await tab.keyboard.press("Escape")
    await tab.keyboard.press("Escape")
    assert tab.url.endswith("/login")  # twice is not enough: Esc also closes things
    await tab.keyboard.press("Escape")
    await tab.wait_for_url(QUICK_EXIT_URL)


async def test_quick_exit_works_without_javascript(browser: Browser, live_server: str) -> None:
    context = await browser.new_context(**phone_options(live_server), java_script_enabled=False)
    try:
        tab = await context.new_page()
        await tab.goto("/")
        # The /exit redirect: routes do not see redirected requests, and Chromium resolves
        # no outside host here (CHROMIUM_ARGS), so the last hop is only recorded.
        async with tab.expect_request(QUICK_EXIT_URL) as leaving:
            await tab.locator(".quick-exit").tap()
        request = await leaving.value
        assert request.is_navigation_request()
        assert request.redirected_from is not None
        assert request.redirected_from.url.endswith("/exit")
    finally:
        await context.close()


async def test_forget_this_device_clears_caches_storage_and_cookies(
    pwa: BrowserContext, pwa_page: tuple[Page, PageLog]
) -> None:
    tab, log = pwa_page
    await sign_in_as_demo_organizer(tab)
    assert await controlled_by_worker(tab)
    # Something personal kept for offline use, and something in storage.
    await tab.evaluate(
        """async () => {
            await (await caches.open("muster-keep")).put("/my/planted-page",
                new Response("<title>Your signups · Muster</title>",
                             {headers: {"Content-Type": "text/html"}}));
            localStorage.setItem("muster.actions.name", "Asya");
            sessionStorage.setItem("muster.actions.signup", "secret");
        }"""
    )
    assert {c["name"] for c in await pwa.cookies()} >= {"session"}
    await tab.goto("/forget")
    # The page shows what this phone keeps before it forgets.
    await tab.locator("[data-kept-list] a", has_text="Your signups").wait_for()
    await save_screenshot(tab, "forget_this_device", full_page=False)
    await tab.locator("form[data-forget] button[type=submit]").tap()
    await tab.wait_for_url("**/forget?done=1")
    await tab.locator(".notice", has_text="no longer holds anything").wait_for()

    assert await kept_urls(tab) == []
    assert await tab.evaluate("localStorage.length") == 0
    # htmx notes the current path in sessionStorage again; what we planted is gone.
    assert await tab.evaluate("Object.keys(sessionStorage)") in (
        [],
        ["htmx-current-path-for-history"],
    )
    assert "session" not in {c["name"] for c in await pwa.cookies()}
    assert await tab.locator("nav a[href='/login']").is_visible()  # signed out
    await tab.goto("/organizer")
    assert "/login" in tab.url
    await assert_clean(tab, log)
