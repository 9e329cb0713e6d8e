"""Anything that can take a second says it is on its way: search, RSVP and check-in.

Each request is held at the network until the test has seen the indicator, then let go:
no timing guesses, and the page must still end in the right state.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import PageLog
from tests.e2e.volunteer import rsvp, sign_in_as_demo_organizer, volunteer_email

if TYPE_CHECKING:
    from playwright.async_api import Locator, Page, Route

pytestmark = pytest.mark.browser


class Gate:
    """A route handler that holds matching requests until ``open()``."""

    def __init__(self) -> None:
        self.released = asyncio.Event()
        self.held = asyncio.Event()

    async def __call__(self, route: Route) -> None:
        self.held.set()
        await self.released.wait()
        await route.continue_()

    def open(self) -> None:
        self.released.set()


async def spinner_on(button: Locator) -> str:
    content: str = await button.evaluate("b => getComputedStyle(b, '::after').content")
    return content


async def test_search_shows_its_spinner(page: tuple[Page, PageLog]) -> None:
    tab, _ = page
    await tab.goto("/")
    gate = Gate()
    await tab.route("**/?*place=Berlin*", gate)
    await tab.locator("#place").fill("Berlin")
    await tab.locator("form[role=search] button[type=submit]").tap()
    await gate.held.wait()
    await expect(tab.locator("#search-busy")).to_have_css("opacity", "1")
    await expect(tab.locator("html")).to_have_class("is-loading")  # the bar under the top
    gate.open()
    await tab.locator("#results .notice", has_text="Berlin").wait_for()
    await expect(tab.locator("#search-busy")).to_have_css("opacity", "0")
    await expect(tab.locator("html")).not_to_have_class("is-loading")


async def test_rsvp_shows_it_is_being_sent(page: tuple[Page, PageLog]) -> None:
    tab, _ = page
    await tab.goto("/")
    event_url = await tab.locator("ol.events h3 a").first.get_attribute("href")
    assert event_url
    await tab.goto(event_url)
    form = tab.locator("#rsvp form")
    await form.wait_for()
    gate = Gate()
    await tab.route(f"**{event_url}/rsvp", lambda route: _post_only(route, gate))
    await form.locator("input[name=display_name]").fill("Dana")
    await form.locator("input[name=email]").fill(volunteer_email())
    await form.locator("button[type=submit]").tap()
    await gate.held.wait()
    await expect(form).to_have_attribute("aria-busy", "true")
    await expect(form.locator(".htmx-indicator")).to_have_css("opacity", "1")
    gate.open()
    await tab.locator("#rsvp h2", has_text="You're going").wait_for()


async def _post_only(route: Route, gate: Gate) -> None:
    if route.request.method == "POST":
        await gate(route)
    else:
        await route.continue_()


async def test_check_in_shows_it_is_being_saved(page: tuple[Page, PageLog]) -> None:
    tab, _ = page
    await tab.goto("/")
    event_url = await tab.locator("ol.events h3 a").first.get_attribute("href")
    assert event_url
    await rsvp(tab, event_url, "Emre Checkin", volunteer_email())
    await sign_in_as_demo_organizer(tab)
    await tab.goto(f"/organizer/events/{event_url.rsplit('/', 1)[-1]}/checkin?q=Emre")
    row_form = tab.locator("#checkin-results form[hx-post$='/check_in']").first
    button = row_form.locator("button[type=submit]")
    assert await spinner_on(button) in ("none", "normal")
    gate = Gate()
    await tab.route("**/organizer/signups/*/check_in", gate)
    await button.tap()
    await gate.held.wait()
    await expect(row_form).to_have_attribute("aria-busy", "true")
    assert await spinner_on(button) not in ("none", "normal")  # the spinner on the button
    gate.open()
    await tab.locator("#checkin-results", has_text="1 checked in").wait_for()
