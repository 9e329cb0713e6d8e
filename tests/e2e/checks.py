"""Checks the browser tests share: clean network log, axe-core, budgets, service worker."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.e2e.conftest import PHONE_WIDTH, PageLog

if TYPE_CHECKING:
    from playwright.async_api import Page, Response

VENDOR = Path(__file__).parent / "vendor"
BUDGET_BYTES = 60 * 1024  # first load of a page: HTML + CSS + JS, compressed, htmx included


async def assert_clean(tab: Page, log: PageLog) -> None:
    """Nothing left our origin, no CSP violation, no script error, no sideways scrolling."""
    assert log.requests, "the network log recorded nothing"
    assert log.foreign_requests() == []
    assert log.csp_violations() == []
    assert log.page_errors == []
    width = await tab.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"page is {width}px wide on a {PHONE_WIDTH}px phone"


# ---- accessibility -------------------------------------------------------------------


@cache
def axe_source() -> str:
    """The vendored axe-core (tests only; tests/test_pwa.py checks its checksum)."""
    (path,) = VENDOR.glob("axe-core-4.*.min.js")
    return path.read_text()


async def axe_violations(tab: Page) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (all rules but experimental ones).

    The script is evaluated through the DevTools protocol, which the page's CSP does not
    govern, so nothing about the page changes for it: no <script> tag, no relaxed CSP.
    """
    if not await tab.evaluate("typeof window.axe === 'object'"):
        await tab.evaluate("() => {\n" + axe_source() + "\n}")
    result: list[dict[str, Any]] = await tab.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + " :: " + n.failureSummary),
            }));
        }"""
    )
    return result


async def assert_accessible(tab: Page, where: str = "") -> None:
    violations = await axe_violations(tab)
    assert violations == [], f"axe-core on {where or tab.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"])
        for v in violations
    )


# ---- budgets -------------------------------------------------------------------------


@dataclass
class Transfer:
    url: str
    kind: str  # document | stylesheet | script | ...
    raw: int
    gzipped: int


class LoadRecorder:
    """Every response a page's first load brings, with its gzip-compressed size."""

    def __init__(self) -> None:
        self.responses: list[Response] = []

    def __call__(self, response: Response) -> None:
        self.responses.append(response)

    async def transfers(self) -> list[Transfer]:
        found = []
        for response in self.responses:
            if response.status != 200:
                continue
            body = await response.body()
            found.append(
                Transfer(
                    response.url,
                    response.request.resource_type,
                    len(body),
                    len(gzip.compress(body, compresslevel=6)),  # a server's usual level
                )
            )
        return found


async def cumulative_layout_shift(tab: Page) -> float:
    """Layout shifts so far (all of them, as CLS counts them: not those after input)."""
    value: float = await tab.evaluate(
        """() => new Promise(resolve => {
            let total = 0;
            new PerformanceObserver(list => {
                for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value;
            }).observe({type: "layout-shift", buffered: true});
            requestAnimationFrame(() => requestAnimationFrame(() => resolve(total)));
        })"""
    )
    return value


async def render_blocking(tab: Page) -> list[str]:
    """Resources the browser had to wait for before the first paint (Chromium's own view)."""
    urls: list[str] = await tab.evaluate(
        """() => performance.getEntriesByType("resource")
               .filter(e => e.renderBlockingStatus === "blocking").map(e => e.name)"""
    )
    return urls


# ---- service worker ------------------------------------------------------------------


async def controlled_by_worker(tab: Page) -> bool:
    """Wait until the service worker is active and controls this page."""
    result: bool = await tab.evaluate(
        """async () => {
            await navigator.serviceWorker.ready;
            if (navigator.serviceWorker.controller) return true;
            await new Promise(r => navigator.serviceWorker.addEventListener("controllerchange", r));
            return !!navigator.serviceWorker.controller;
        }"""
    )
    return result


async def cache_names(tab: Page) -> list[str]:
    names: list[str] = await tab.evaluate("caches.keys()")
    return names


async def kept_urls(tab: Page) -> list[str]:
    urls: list[str] = await tab.evaluate(
        """async () => {
            if (!(await caches.has("muster-keep"))) return [];
            const cache = await caches.open("muster-keep");
            return (await cache.keys()).map(r => r.url);
        }"""
    )
    return urls
