"""Lighthouse-style budgets on a phone's first visit: under 60 KB of compressed HTML, CSS
and JS (htmx included), no layout shift, and nothing render-blocking but our stylesheet."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e.checks import (
    BUDGET_BYTES,
    LoadRecorder,
    cumulative_layout_shift,
    render_blocking,
)
from tests.e2e.conftest import phone_options

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

pytestmark = pytest.mark.browser

COUNTED = {"document", "stylesheet", "script"}


async def first_visit(browser: Browser, live_server: str, path: str) -> tuple[Page, LoadRecorder]:
    """``path`` opened by a phone that has never seen the site (empty cache, no worker)."""
    context = await browser.new_context(**phone_options(live_server), service_workers="block")
    tab = await context.new_page()
    recorder = LoadRecorder()
    tab.on("response", recorder)
    response = await tab.goto(path, wait_until="load")
    assert response is not None and response.status == 200, path
    await tab.wait_for_load_state("networkidle")  # htmx's load-triggered fragments too
    return tab, recorder


async def _pages(browser: Browser, live_server: str) -> list[str]:
    """The pages a volunteer lands on first: home, an event, actions, a campaign, etc."""
    context = await browser.new_context(**phone_options(live_server), service_workers="block")
    try:
        tab = await context.new_page()
        await tab.goto("/")
        event = await tab.locator("ol.events h3 a").first.get_attribute("href")
        await tab.goto("/actions")
        campaign = await tab.locator("main a[href^='/campaigns/']").first.get_attribute("href")
    finally:
        await context.close()
    assert event and campaign
    return ["/", event, f"{event}/rsvp", "/actions", campaign, "/my-signups", "/login", "/offline"]


async def test_first_load_budgets_on_a_phone(browser: Browser, live_server: str) -> None:
    problems: list[str] = []
    for path in await _pages(browser, live_server):
        tab, recorder = await first_visit(browser, live_server, path)
        try:
            transfers = [t for t in await recorder.transfers() if t.kind in COUNTED]
            total = sum(t.gzipped for t in transfers)
            assert any(t.kind == "script" and "/vendor/htmx-" in t.url for t in transfers)
            if total > BUDGET_BYTES:
                sizes = ", ".join(f"{t.url.rsplit('/', 1)[-1]}={t.gzipped}" for t in transfers)
                problems.append(f"{path}: {total} B compressed > {BUDGET_BYTES} ({sizes})")

            shift = await cumulative_layout_shift(tab)
            if shift > 0:
                problems.append(f"{path}: layout shift {shift:.4f}")

            blocking = await render_blocking(tab)
            stylesheets = [u for u in blocking if "/static/css/app.css" in u]
            others = [u for u in blocking if u not in stylesheets]
            if others:
                problems.append(f"{path}: render-blocking besides app.css: {others}")
            # Every script waits for the document (defer), and there is one stylesheet.
            undeferred = await tab.evaluate(
                "() => [...document.scripts].filter(s => !s.defer && !s.async).map(s => s.src)"
            )
            if undeferred:
                problems.append(f"{path}: scripts without defer: {undeferred}")
            sheets = await tab.evaluate(
                "() => [...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href)"
            )
            if len(sheets) != 1:
                problems.append(f"{path}: {len(sheets)} stylesheets: {sheets}")
        finally:
            await tab.context.close()
    assert problems == []
