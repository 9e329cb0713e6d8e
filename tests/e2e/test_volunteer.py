"""A volunteer's whole path on a 390x844 touch phone: find a rally near them, RSVP, add it
to the calendar, open "my signups" from the emailed link — and have it at the rally with
no network at all."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.checks import assert_clean, controlled_by_worker, kept_urls
from tests.e2e.conftest import PageLog, phone_options, save_screenshot
from tests.e2e.volunteer import (
    BERLIN,
    BERLIN_EVENT,
    find_rally_near_me,
    open_my_signups,
    rsvp,
    volunteer_email,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser


async def test_find_a_rally_near_me_rsvp_add_to_calendar_and_open_my_signups(
    phone: BrowserContext, page: tuple[Page, PageLog], mail_dir: Path
) -> None:
    tab, log = page
    await phone.grant_permissions(["geolocation"])
    await phone.set_geolocation(BERLIN)

    event_url = await find_rally_near_me(tab)
    await save_screenshot(tab, "journey_1_near_me", full_page=False)
    await tab.locator(f"#results a[href='{event_url}']").tap()  # htmx-boosted navigation
    await tab.wait_for_function(f"() => location.pathname === '{event_url}'")
    assert BERLIN_EVENT in await tab.locator("h1").inner_text()

    email = volunteer_email()
    await rsvp(tab, event_url, "Asya", email)
    assert await tab.locator("#rsvp [role=status]").is_visible()
    await save_screenshot(tab, "journey_2_rsvp_confirmed", full_page=False)

    async with tab.expect_download() as download_info:
        await tab.locator(f"a[href='{event_url}.ics']").tap()
    download = await download_info.value
    assert download.suggested_filename.endswith(".ics")
    calendar = Path(await download.path()).read_text()
    assert calendar.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in calendar

    await open_my_signups(tab, mail_dir, email)
    main = await tab.locator("main").inner_text()
    assert BERLIN_EVENT in main
    await save_screenshot(tab, "journey_3_my_signups", full_page=False)
    await assert_clean(tab, log)


async def _wait_until_kept(tab: Page, fragment: str, timeout_s: float = 10.0) -> list[str]:
    """The worker keeps linked pages in the background: poll Cache Storage for one."""
    deadline = time.monotonic() + timeout_s
    while True:
        kept = await kept_urls(tab)
        if any(fragment in url for url in kept):
            return kept
        assert time.monotonic() < deadline, f"nothing with {fragment!r} kept: {kept}"
        await asyncio.sleep(0.1)


async def test_my_signups_open_at_the_rally_without_network(
    pwa: BrowserContext, pwa_page: tuple[Page, PageLog], mail_dir: Path
) -> None:
    tab, log = pwa_page
    await tab.goto("/")
    assert await controlled_by_worker(tab)
    event_url = await tab.locator("ol.events h3 a").first.get_attribute("href")
    assert event_url
    event_title = await tab.locator("ol.events h3 a").first.inner_text()
    email = volunteer_email()
    await rsvp(tab, event_url, "Bo", email)
    link = await open_my_signups(tab, mail_dir, email)
    title = await tab.title()
    # The page itself, and (in the background) the signup it links to.
    await _wait_until_kept(tab, "/rsvp/")
    assert link in await kept_urls(tab)

    await pwa.set_offline(True)
    try:
        await tab.reload()
        assert await tab.title() == title
        assert event_title in await tab.locator("main").inner_text()
        # The signup's own page, never opened online, opens from the phone.
        await tab.locator("main a[href*='/rsvp/']").first.tap()
        await tab.wait_for_function("() => location.pathname.includes('/rsvp/')")
        await tab.locator("h1", has_text=event_title).wait_for()
        await save_screenshot(tab, "offline_my_signup", full_page=False)
        # The offline page still renders, and a page never visited shows it.
        await tab.goto("/offline")
        assert await tab.locator("h1").inner_text() == "You are offline"
        await tab.goto("/login")
        assert await tab.locator("h1").inner_text() == "You are offline"
    finally:
        await pwa.set_offline(False)
    await assert_clean(tab, log)


async def test_without_javascript_search_rsvp_and_forget_still_work(
    browser: Browser, live_server: str
) -> None:
    context = await browser.new_context(**phone_options(live_server), java_script_enabled=False)
    try:
        tab = await context.new_page()
        await tab.goto("/")
        await tab.locator("#place").fill("Berlin")
        await tab.locator("form[role=search] button[type=submit]").tap()
        await tab.wait_for_url("**/?*place=Berlin*")
        await tab.locator("#results h3 a", has_text=BERLIN_EVENT).tap()
        await tab.wait_for_url("**/events/*")
        await tab.locator("#rsvp a.button").tap()  # htmx would have loaded the form here
        await tab.wait_for_url("**/rsvp")
        form = tab.locator("main form[action$='/rsvp']")
        await form.locator("input[name=display_name]").fill("Farah")
        await form.locator("input[name=email]").fill(volunteer_email())
        await form.locator("button[type=submit]").tap()
        await tab.wait_for_url("**/rsvp/done*")
        await tab.locator("h2", has_text="You're going").wait_for()

        await tab.goto("/forget")
        await tab.locator("form[data-forget] button[type=submit]").tap()
        await tab.wait_for_url("**/forget?done=1")
        await tab.locator(".notice", has_text="no longer holds anything").wait_for()
    finally:
        await context.close()
