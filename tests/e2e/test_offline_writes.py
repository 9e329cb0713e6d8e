"""Writes tried offline on a phone: the page says so by the button (never the browser's
error page), and a "mark as done" is kept on the phone and sent, counted once, when the
network is back."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e.conftest import PageLog

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

pytestmark = pytest.mark.browser

QUEUE = "muster.actions.queue"
COUNT = re.compile(r"([\d,]+) of ")


async def test_an_rsvp_tried_offline_says_so_by_the_button(
    phone: BrowserContext, page: tuple[Page, PageLog]
) -> None:
    tab, _ = page
    await tab.goto("/")
    event_url = await tab.locator("ol.events h3 a").first.get_attribute("href")
    assert event_url
    await tab.goto(event_url)
    form = tab.locator("#rsvp form")
    await form.wait_for()
    await form.locator("input[name=display_name]").fill("Offline Olga")
    await form.locator("input[name=email]").fill("offline-olga@example.org")
    await phone.set_offline(True)
    try:
        await form.locator("button[type=submit]").tap()
        note = form.locator(".offline-note")
        await note.wait_for()
        assert "You are offline: nothing was sent" in await note.inner_text()
        assert tab.url.endswith(event_url)  # still the page, not an error page
        assert await form.locator("input[name=display_name]").input_value() == "Offline Olga"
    finally:
        await phone.set_offline(False)


async def _count(card: object) -> int:
    text = await card.locator("p.count").text_content() or ""  # type: ignore[attr-defined]
    found = COUNT.search(text)
    assert found, text
    return int(found.group(1).replace(",", ""))


async def test_mark_as_done_offline_is_sent_once_back_online(
    phone: BrowserContext, page: tuple[Page, PageLog]
) -> None:
    tab, _ = page
    await tab.goto("/actions")
    campaign = await tab.locator("main a[href^='/campaigns/']").first.get_attribute("href")
    assert campaign
    await tab.goto(campaign)
    card = tab.locator("article[id^='task-']").first
    card_id = await card.get_attribute("id")
    assert card_id
    await card.locator("summary").tap()  # cards are folded to their titles
    before = await _count(card)
    form = card.locator("form[data-queued]")
    await form.wait_for(state="attached")
    await phone.set_offline(True)
    try:
        # Without an outcome the server would refuse it: not kept, and said so.
        outcomes = form.locator("input[name=outcome]")
        if await outcomes.count() > 1:
            await form.locator("button[type=submit]").tap()
            await form.locator(".offline-note", has_text="nothing was sent").wait_for()
            assert await tab.evaluate(f"localStorage.getItem('{QUEUE}')") is None
        await outcomes.first.check()
        await form.locator("button[type=submit]").tap()
        note = form.locator(".offline-note", has_text="kept on this phone")
        await note.wait_for()
        kept = await tab.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE}') || '[]').length")
        assert kept == 1
        # Tapped twice while offline: still one (the form's idempotency key).
        await form.locator("button[type=submit]").tap()
        assert (
            await tab.evaluate(f"JSON.parse(localStorage.getItem('{QUEUE}') || '[]').length") == 1
        )
    finally:
        await phone.set_offline(False)
    # Back online: sent by itself, then the queue is empty.
    await tab.wait_for_function(f"() => !localStorage.getItem('{QUEUE}')")
    await tab.locator("#net-status", has_text="Connected again").wait_for()
    await tab.reload()
    assert await _count(tab.locator(f"#{card_id}")) == before + 1
    # Another visit sends nothing again: counted once.
    await tab.reload()
    assert await _count(tab.locator(f"#{card_id}")) == before + 1


async def test_a_done_action_stays_done_on_this_phone(page: tuple[Page, PageLog]) -> None:
    tab, _ = page
    await tab.goto("/actions")
    campaign = await tab.locator("main a[href^='/campaigns/']").first.get_attribute("href")
    assert campaign
    await tab.goto(campaign)
    card = tab.locator("article.task").first
    card_id = await card.get_attribute("id")
    assert card_id
    await card.locator("summary").tap()
    await card.locator("input[name=outcome]").first.check()
    await card.locator("form button[type=submit]").tap()
    await tab.locator(f"#{card_id} .notice[role=status]").wait_for()
    before = await _count(tab.locator(f"#{card_id}"))
    # After a reload the card says so, and its form waits behind "Do it again".
    await tab.reload()
    await tab.locator(f"#{card_id} summary").tap()
    done = tab.locator(f"#{card_id} .done-here")
    await done.wait_for()
    assert "You did this one on this phone" in await done.inner_text()
    assert await tab.locator(f"#{card_id} form").is_hidden()
    assert await _count(tab.locator(f"#{card_id}")) == before  # nothing counted again
    await tab.locator(f"#{card_id} button", has_text="Do it again").tap()
    assert await tab.locator(f"#{card_id} form").is_visible()
    # Only the task id is kept, on this phone: nothing about it was sent anywhere.
    kept = await tab.evaluate("localStorage.getItem('muster.actions.done')")
    assert kept == f'["{card_id}"]'
