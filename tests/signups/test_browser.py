"""On a phone: RSVP from the event page with htmx (the form swaps into the answer) and
without JavaScript (plain POST and redirect); both pages pass axe-core and the CSP."""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.e2e.checks import assert_accessible, assert_clean
from tests.e2e.conftest import *  # noqa: F403 - the browser fixtures (browser, page, live_server...)
from tests.e2e.conftest import PHONE_HEIGHT, PHONE_WIDTH, PageLog

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page


def _an_event(base_url: str) -> str:
    items = httpx.get(f"{base_url}/api/v1/events", timeout=10).json()["items"]
    assert items, "the demo data has no public event"
    return str(items[0]["id"])


@pytest.mark.browser
async def test_a_volunteer_rsvps_from_a_phone(
    page: tuple[Page, PageLog],
    live_server: str,
) -> None:
    tab, log = page
    event_id = _an_event(live_server)
    started = time.monotonic()
    await tab.goto(f"/events/{event_id}")
    form = tab.locator("#rsvp form")
    await form.wait_for()  # loaded by htmx into the event page
    await assert_accessible(tab, "event page with the RSVP form")
    await form.locator("input[name=display_name]").fill("Zara")
    await form.locator("input[name=email]").fill(f"zara-{uuid.uuid4().hex[:8]}@example.org")
    await form.locator("button[type=submit]").tap()
    answer = tab.locator("#rsvp h2")
    await answer.filter(has_text="You're").wait_for()
    assert time.monotonic() - started < 30
    assert tab.url.endswith(f"/events/{event_id}")  # swapped in place, no page load
    text = await tab.locator("#rsvp").inner_text()
    assert "emailed you a private link" in text and "/m/" not in text
    await assert_accessible(tab, "RSVP answer")
    await assert_clean(tab, log)


@pytest.mark.browser
async def test_rsvp_works_without_javascript(
    browser: Browser,
    live_server: str,
) -> None:
    context = await browser.new_context(
        base_url=live_server,
        java_script_enabled=False,
        viewport={"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
        is_mobile=True,
        has_touch=True,
    )
    try:
        tab = await context.new_page()
        event_id = _an_event(live_server)
        await tab.goto(f"/events/{event_id}")
        await tab.locator(f"main a[href='/events/{event_id}/rsvp']").tap()
        await tab.wait_for_url(f"**/events/{event_id}/rsvp")
        form = tab.locator("#rsvp form")
        await form.locator("input[name=display_name]").fill("Omar")
        await form.locator("input[name=email]").fill("not-an-email")
        await form.locator("button[type=submit]").tap()
        await tab.locator("#rsvp-email-error").wait_for()  # 422 with the error, input kept
        assert await form.locator("input[name=display_name]").input_value() == "Omar"
        await form.locator("input[name=email]").fill(f"omar-{uuid.uuid4().hex[:8]}@example.org")
        await form.locator("button[type=submit]").tap()
        await tab.wait_for_url("**/rsvp/done?o=*")
        assert "emailed you a private link" in await tab.locator("#rsvp").inner_text()
    finally:
        await context.close()


@pytest.mark.browser
async def test_check_in_at_the_rally_on_a_phone(
    page: tuple[Page, PageLog],
    live_server: str,
) -> None:
    from server.demo.accounts import ORGANIZER_EMAIL, ORGANIZER_PASSWORD

    tab, log = page
    event_id = _an_event(live_server)
    name = f"Farah {uuid.uuid4().hex[:6]}"
    with httpx.Client(base_url=live_server, timeout=10) as api:  # keeps the CSRF cookie
        csrf = api.get("/api/v1/csrf").json()
        answer = api.post(
            f"/api/v1/events/{event_id}/signups",
            json={"display_name": name, "email": f"farah-{uuid.uuid4().hex[:8]}@example.org"},
            headers={csrf["header"]: csrf["token"]},
        )
    assert answer.status_code == 201 and answer.json()["status"] == "going"
    await tab.goto("/login")
    await tab.locator("main input[name=email]").fill(ORGANIZER_EMAIL)
    await tab.locator("main input[name=password]").fill(ORGANIZER_PASSWORD)
    await tab.locator("main button[type=submit]").tap()
    await tab.wait_for_url("**/organizer")
    await tab.goto(f"/organizer/events/{event_id}/checkin")
    async with tab.expect_response(lambda r: "/checkin?q=" in r.url):
        await tab.locator("#checkin-q").fill(name.split()[1])  # part of the name: htmx searches
    row = tab.locator("#checkin-results tr", has_text=name)
    await row.wait_for()
    assert await tab.locator("#checkin-results tbody tr").count() == 1
    await row.get_by_role("button", name="Check in").tap()
    await (
        tab.locator("#checkin-results tr", has_text=name)
        .get_by_role("button", name="Undo")
        .wait_for()
    )
    assert "1 checked in" in await tab.locator("#checkin-results").inner_text()
    await assert_accessible(tab, "check-in page")
    await tab.locator("#checkin-results tr", has_text=name).get_by_role("button", name="Undo").tap()
    await row.get_by_role("button", name="Check in").wait_for()
    # The other organizer pages of the event pass the same checks.
    for path in ("attendees", "shifts"):
        await tab.goto(f"/organizer/events/{event_id}/{path}")
        await assert_accessible(tab, path)
    await assert_clean(tab, log)
