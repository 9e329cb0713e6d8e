"""The first pages on a phone: they render, stay on our origin, and obey the CSP."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import PHONE_WIDTH, PageLog

if TYPE_CHECKING:
    from playwright.async_api import Page

PASSWORD = "correct horse battery staple 42"


async def assert_clean(tab: Page, log: PageLog) -> None:
    """Nothing left our origin, no CSP violation, no script error, no sideways scrolling."""
    assert log.requests, "the network log recorded nothing"
    assert log.foreign_requests() == []
    assert log.csp_violations() == []
    assert log.page_errors == []
    width = await tab.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"page is {width}px wide on a {PHONE_WIDTH}px phone"


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


@pytest.mark.browser
async def test_organizer_signs_up_through_the_form(page: tuple[Page, PageLog]) -> None:
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
    await tab.wait_for_url("**/organizer")
    # Signed in: the page says so and offers to sign out.
    assert await tab.locator("form[action='/logout']").is_visible()
    assert await tab.locator("h1").first.is_visible()
    await assert_clean(tab, log)
