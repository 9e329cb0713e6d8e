"""Muster in Arabic (right to left) and Russian on a 360 px phone: every kind of page is
in the language, lays out in its direction without sideways scrolling, passes axe, and the
language switcher works without JavaScript. Screenshots land in test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from server import i18n
from tests.e2e.checks import axe_violations
from tests.e2e.conftest import phone_options, save_screenshot
from tests.e2e.volunteer import (
    MY_SIGNUPS_LINK,
    newest_mail_to,
    sign_in_as_demo_organizer,
    volunteer_email,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser, BrowserContext, Page

pytestmark = pytest.mark.browser

NARROW = {"width": 360, "height": 740}
MANAGE_LINK = re.compile(MY_SIGNUPS_LINK.pattern.replace("/my/", "/m/") + r"(?:\?lang=\w+)?")


async def _phone(browser: Browser, live_server: str, locale: str, **extra: Any) -> BrowserContext:
    options = {**phone_options(live_server), "viewport": NARROW, "screen": NARROW}
    context = await browser.new_context(
        **{**options, "locale": locale}, service_workers="block", **extra
    )
    context.set_default_timeout(10_000)
    return context


class Tour:
    """Visits pages in one language and keeps every problem for one final assert."""

    def __init__(self, tab: Page, code: str) -> None:
        self.tab, self.code = tab, code
        self.problems: list[str] = []

    async def visit(self, name: str, path: str | None = None, *, ready: str = "main h1") -> None:
        if path is not None:
            answer = await self.tab.goto(path)
            assert answer is not None and answer.status < 500, (name, path)
        await self.tab.locator(ready).first.wait_for()
        where = f"{name} ({self.tab.url})"
        html = self.tab.locator("html")
        if await html.get_attribute("lang") != self.code:
            self.problems.append(f"{where}: lang={await html.get_attribute('lang')}")
        if await html.get_attribute("dir") != i18n.direction(self.code):
            self.problems.append(f"{where}: dir={await html.get_attribute('dir')}")
        width = await self.tab.evaluate("document.documentElement.scrollWidth")
        if width > NARROW["width"]:
            self.problems.append(f"{where}: {width} px wide")
        for violation in await axe_violations(self.tab):
            self.problems.append(f"{where}: axe {violation['id']}: {violation['nodes']}")
        await save_screenshot(self.tab, f"lang_{self.code}_{name}")
        await save_screenshot(self.tab, f"lang_{self.code}_{name}_first_screen", full_page=False)


@pytest.mark.parametrize("locale", ["ar-EG", "ru-RU"])
async def test_volunteer_pages_in_the_phones_language(
    browser: Browser, live_server: str, mail_dir: Path, locale: str
) -> None:
    code = locale.split("-")[0]
    context = await _phone(browser, live_server, locale)
    try:
        tab = await context.new_page()
        tour = Tour(tab, code)
        await tour.visit("home", "/")
        await tour.visit("search", "/?place=Berlin&radius_km=50", ready="#results ol.events")
        event_url = await tab.locator("#results ol.events h3 a").first.get_attribute("href")
        assert event_url
        await tour.visit("event", event_url, ready="#rsvp form")
        # An RSVP in this language: the answer and the mail speak it too.
        email = volunteer_email()
        form = tab.locator("#rsvp form")
        await form.locator("input[name=display_name]").fill("Amal")
        await form.locator("input[name=email]").fill(email)
        await form.locator("button[type=submit]").tap()
        await tab.locator("#rsvp div[role=status]").wait_for()
        heading = await tab.locator("#rsvp h2").inner_text()
        answers = ("You're going!", "You're on the waitlist", "Almost done: check your email")
        assert heading.strip() in {i18n.gettext(text, code) for text in answers}, heading
        await tour.visit("rsvp_answer", ready="#rsvp h2")
        manage = await newest_mail_to(mail_dir, email, MANAGE_LINK)
        assert f"lang={code}" in manage
        await tour.visit("manage", manage)
        await tour.visit("actions", "/actions")
        campaign = await tab.locator("main a[href^='/campaigns/']").first.get_attribute("href")
        await tour.visit("campaign", campaign)
        await tour.visit("my_signups", "/my-signups")
        await tour.visit("login", "/login")
        await tour.visit("not_found", "/no-such-page")
        assert tour.problems == []
    finally:
        await context.close()


async def test_organizer_pages_in_arabic(browser: Browser, live_server: str) -> None:
    context = await _phone(browser, live_server, "ar")
    try:
        tab = await context.new_page()
        await sign_in_as_demo_organizer(tab)
        tour = Tour(tab, "ar")
        await tour.visit("dashboard")
        org = await tab.locator("main a[href^='/organizer/orgs/']").first.get_attribute("href")
        assert org
        org = "/organizer/orgs/" + org.split("/")[3]
        await tour.visit("organization", org)
        await tour.visit("events", f"{org}/events")
        first = await tab.locator("main table a[href^='/events/']").first.get_attribute("href")
        assert first
        await tour.visit("new_event", f"{org}/events/new")
        event_id = first.rsplit("/", 1)[-1]
        await tour.visit("attendees", f"/organizer/events/{event_id}/attendees")
        await tour.visit("check_in", f"/organizer/events/{event_id}/checkin")
        await tour.visit("security", "/organizer/security")
        assert tour.problems == []
    finally:
        await context.close()


async def test_the_switcher_works_without_javascript(browser: Browser, live_server: str) -> None:
    context = await _phone(browser, live_server, "en-GB", java_script_enabled=False)
    try:
        tab = await context.new_page()
        await tab.goto("/actions")
        assert await tab.locator("html").get_attribute("lang") == "en"
        await tab.locator("nav.languages a[hreflang=ru]").click()
        await tab.wait_for_url("**/actions")
        assert await tab.locator("html").get_attribute("lang") == "ru"
        title = i18n.gettext("Actions", "ru")
        assert title != "Actions"
        assert title in await tab.locator("nav.nav").inner_text()
        # Remembered on the next page, and in Arabic the page turns right to left.
        await tab.goto("/")
        assert await tab.locator("html").get_attribute("lang") == "ru"
        await tab.locator("nav.languages a[hreflang=ar]").click()
        await tab.wait_for_url(lambda url: url.rstrip("/") == live_server)
        assert await tab.locator("html").get_attribute("dir") == "rtl"
    finally:
        await context.close()
