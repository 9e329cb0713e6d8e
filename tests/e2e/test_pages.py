"""The first pages on a phone: they render, stay on our origin, and obey the CSP."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.checks import assert_clean
from tests.e2e.conftest import PageLog, phone_options
from tests.e2e.volunteer import newest_mail_to, sign_in_as_demo_organizer

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

PASSWORD = "correct horse battery staple 42"


@pytest.mark.browser
async def test_home_page_renders_on_a_phone(page: tuple[Page, PageLog]) -> None:
    tab, log = page
    response = await tab.goto("/")
    assert response is not None and response.status == 200
    assert "Muster" in (await tab.title())
    assert await tab.locator("h1").first.is_visible()
    # htmx came from our own /static and the CSP let it run.
    assert await tab.evaluate("typeof window.htmx") == "object"
    assert any("/static/vendor/htmx-" in url for url in log.requests)
    await assert_clean(tab, log)


@pytest.mark.browser
async def test_the_place_field_suggests_cities_as_one_types(page: tuple[Page, PageLog]) -> None:
    tab, log = page
    await tab.goto("/")
    await tab.locator("#place").press_sequentially("Ber", delay=50)
    await tab.locator('#place-options option[value="Berlin, DE"]').wait_for(state="attached")
    assert any("/places?place=Ber" in url for url in log.requests)
    await assert_clean(tab, log)


@pytest.mark.browser
async def test_login_page_renders_with_labelled_fields(page: tuple[Page, PageLog]) -> None:
    tab, log = page
    response = await tab.goto("/login")
    assert response is not None and response.status == 200
    assert await tab.locator("main input[name=email]").is_visible()
    assert await tab.locator("main input[name=password]").is_visible()
    unlabelled = await tab.evaluate(
        "[...document.querySelectorAll('main input:not([type=hidden])')]"
        ".filter(i => i.labels.length === 0).map(i => i.name)"
    )
    assert unlabelled == []
    await assert_clean(tab, log)


SIGNUP_LINK = re.compile(r"https?://[^\s\"'<>]+/signup/confirm/[A-Za-z0-9_-]{22,}")


@pytest.mark.browser
async def test_organizer_signs_up_through_the_form(
    page: tuple[Page, PageLog], mail_dir: Path
) -> None:
    tab, log = page
    await tab.goto("/login")
    await tab.locator("main a[href^='/signup']").first.tap()
    await tab.wait_for_url("**/signup")
    email = f"e2e-{uuid.uuid4().hex[:10]}@example.org"
    form = tab.locator("main form:has(input[name=display_name])")
    await form.locator("input[name=email]").fill(email)
    await form.locator("input[name=display_name]").fill("Asya Petrova")
    await form.locator("input[name=password]").fill(PASSWORD)
    await form.locator("button[type=submit]").tap()
    # The same answer for any address: the account comes from the link in the mail.
    await tab.locator("#signup-sent").wait_for()
    await tab.goto(await newest_mail_to(mail_dir, email, SIGNUP_LINK))
    await tab.locator("main form button[type=submit]").tap()
    await tab.wait_for_url("**/organizer")
    # Signed in: the page says so and offers to sign out.
    assert await tab.locator("form[action='/logout']").is_visible()
    assert await tab.locator("h1").first.is_visible()
    await assert_clean(tab, log)


@pytest.mark.browser
async def test_pages_fit_the_narrowest_phone(browser: Browser, live_server: str) -> None:
    """360 px first: no page scrolls sideways, for volunteers or organizers."""
    options = {**phone_options(live_server), "viewport": {"width": 360, "height": 740}}
    context = await browser.new_context(**options, service_workers="block")
    try:
        tab = await context.new_page()
        await tab.goto("/")
        event = await tab.locator("ol.events h3 a").first.get_attribute("href")
        await tab.goto("/actions")
        campaign = await tab.locator("main a[href^='/campaigns/']").first.get_attribute("href")
        paths = ["/", "/?place=Berlin&radius_km=50", f"{event}", f"{event}/rsvp", "/actions"]
        paths += [f"{campaign}?country=FR", "/login", "/signup", "/my-signups", "/offline"]
        paths += ["/forget", "/no-such-page", "/login/forgot"]
        too_wide = {}
        for path in paths:
            await tab.goto(path)
            await tab.wait_for_load_state("networkidle")
            width = await tab.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                too_wide[path] = width
        await sign_in_as_demo_organizer(tab)
        org = await tab.locator("main a[href^='/organizer/orgs/']").first.get_attribute("href")
        assert org
        org = "/organizer/orgs/" + org.split("/")[3]
        await tab.goto(f"{org}/events")
        first = await tab.locator("main table a[href^='/events/']").first.get_attribute("href")
        assert first
        event_id = first.rsplit("/", 1)[-1]
        for path in [
            "/organizer",
            org,
            f"{org}/events",
            f"{org}/events/new",
            f"/organizer/events/{event_id}/edit",
            f"/organizer/events/{event_id}/attendees",
            f"/organizer/events/{event_id}/checkin",
            "/organizer/tokens",
            "/organizer/security",
        ]:
            await tab.goto(path)
            width = await tab.evaluate("document.documentElement.scrollWidth")
            if width > 360:
                too_wide[path] = width
        assert too_wide == {}
        # The address choice on the event form: two full-width options, each radio at
        # least 24x24 px (it was 10x22, squeezed by its long label).
        await tab.goto(f"{org}/events/new")
        for radio in await tab.locator("input[name=address_visibility]").all():
            box = await radio.bounding_box()
            assert box and box["width"] >= 24 and box["height"] >= 24, box
        # The demo campaign's actions, folded to their titles, fit a few screens.
        assert campaign
        await tab.goto(campaign)
        height = await tab.evaluate("document.documentElement.scrollHeight")
        assert height < 4000, f"the actions page is {height} px tall at 360 px"
    finally:
        await context.close()
