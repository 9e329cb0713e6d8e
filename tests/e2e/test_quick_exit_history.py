"""Quick exit leaves nothing personal behind in the tab: Back after it never shows a
volunteer's RSVPs again (issue 12), whether the page before was loaded or boosted."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from server.web.pwa import QUICK_EXIT_URL
from tests.e2e.conftest import PageLog
from tests.e2e.volunteer import newest_mail_to, open_my_signups, rsvp, volunteer_email

if TYPE_CHECKING:
    from playwright.async_api import Page, Route

pytestmark = pytest.mark.browser

NEUTRAL_PAGE = "<!doctype html><title>Wikipedia</title><h1>Wikipedia</h1>"
MANAGE_LINK = re.compile(r"https?://[^\s\"'<>]+/m/[A-Za-z0-9_-]{22,}")


async def _neutral_site(route: Route) -> None:
    await route.fulfill(status=200, content_type="text/html", body=NEUTRAL_PAGE)


async def _signed_up(tab: Page, mail_dir: Path, name: str) -> tuple[str, str]:
    """An RSVP to the first listed event, then its "my RSVPs" page (/my/<secret>) open:
    the event's title and the RSVP's manage link (/m/<secret>)."""
    await tab.route(QUICK_EXIT_URL + "**", _neutral_site)
    await tab.goto("/")
    link = tab.locator("ol.events h3 a").first
    event_url, title = await link.get_attribute("href"), await link.inner_text()
    assert event_url
    email = volunteer_email()
    await rsvp(tab, event_url, name, email)
    manage = await newest_mail_to(mail_dir, email, MANAGE_LINK)
    await open_my_signups(tab, mail_dir, email)
    return title, manage


async def _nothing_personal_after_back(tab: Page, name: str, title: str) -> None:
    await tab.locator(".quick-exit").tap()
    await tab.wait_for_url(QUICK_EXIT_URL)
    await tab.go_back()
    await tab.wait_for_load_state()
    # Wherever Back lands, it is no personal page and shows nothing of the volunteer.
    await tab.wait_for_function("() => !/\\/(my|m)\\/[A-Za-z0-9_-]{22,}/.test(location.pathname)")
    text = await tab.locator("body").inner_text()
    assert name not in text and title not in text


async def test_back_after_quick_exit_from_a_manage_page_shows_no_rsvps(
    page: tuple[Page, PageLog], mail_dir: Path
) -> None:
    tab, log = page
    title, manage = await _signed_up(tab, mail_dir, "Zarema Quickexit")
    assert title in await tab.locator("main").inner_text()  # /my/<secret> is open
    await tab.goto(manage)
    await _nothing_personal_after_back(tab, "Zarema Quickexit", title)
    # Opening the link afresh (from the mail) is a visit on purpose: the page shows.
    await tab.goto(manage)
    assert title in await tab.locator("main").inner_text()
    assert log.page_errors == []


async def test_back_after_quick_exit_from_a_boosted_rsvp_page_shows_no_rsvps(
    page: tuple[Page, PageLog], mail_dir: Path
) -> None:
    tab, log = page
    title, _ = await _signed_up(tab, mail_dir, "Ayaz Quickexit")
    await tab.locator("main a[href*='/rsvp/']").first.tap()  # htmx-boosted: pushState
    await tab.wait_for_function("() => location.pathname.includes('/rsvp/')")
    await _nothing_personal_after_back(tab, "Ayaz Quickexit", title)
    assert log.page_errors == []
