"""Demo actions for #DontTurnAway, and the results chart's SVG."""

from __future__ import annotations

import re
from datetime import date

import httpx
from litestar import Litestar

from server.actions import chart
from server.actions.tables import ActionCompletion, ActionTarget, ActionTask
from server.demo import load_demo
from server.settings import Settings


async def test_demo_campaign_gets_its_actions(
    app: Litestar, client: httpx.AsyncClient, settings: Settings
) -> None:
    message = await load_demo(settings)
    assert "8 actions" in message
    tasks = await ActionTask.select().order_by(ActionTask.position)
    kinds = [t["kind"] for t in tasks]
    assert kinds == ["call", "email", "email", "email", "letter", "petition", "donate", "share"]
    titles = " ".join(t["title"] for t in tasks)
    for words in ("border police", "UNHCR", "UN Human Rights", "member of parliament",
                  "Prevention of Torture", "petition", "evacuation fund", "Share"):  # fmt: skip
        assert words in titles, words
    targets = await ActionTarget.select()
    calls = [t for t in targets if t["task"] == tasks[0]["id"]]
    assert {t["country"] for t in calls} >= {"NO", "SE", "NL", "CA", "US", "FR", "DE", "GB"}
    # Only example numbers, and they say so.
    assert all("example number" in t["name"] for t in calls)
    for t in targets:
        if "example.org" in t["url"] + t["email"]:
            assert "example" in t["name"] + t["organisation"]
    assert tasks[0]["event"] is not None  # "before the rally in Oslo"
    assert await ActionCompletion.count() > 50

    index = await client.get("/actions")
    assert "#DontTurnAway" in index.text
    page = await client.get(f"/campaigns/{tasks[0]['campaign']}/actions?country=NO")
    assert 'href="tel:+4700000000"' in page.text
    assert "Before the event:" in page.text and "Rally at the Storting" in page.text
    # Germany's page does not send volunteers in Germany to a rally in Oslo.
    germany = await client.get(f"/campaigns/{tasks[0]['campaign']}/actions?country=DE")
    assert "Rally at the Storting" not in germany.text
    assert "https://www.unhcr.org/contact-us" in page.text
    assert "Council of Europe" in page.text


def test_chart_is_accessible_and_escapes_labels() -> None:
    rows = [
        {"day": "2026-11-20", "outcome": "reached", "country": "NO", "count": 3},
        {"day": "2026-11-20", "outcome": "voicemail", "country": "NO", "count": 1},
        {"day": "2026-11-23", "outcome": "reached", "country": "SE", "count": 2},
    ]
    data = chart.stacked(
        rows, "outcome", {"reached": "<b>Reached</b>"}, order=["reached", "voicemail"]
    )
    assert data.buckets == ["2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23"]
    assert data.total("2026-11-20") == 4 and data.total("2026-11-21") == 0
    svg = str(chart.svg(data, title="Per day", desc="6 in all", id_prefix="c"))
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">Per day</title><desc id="c-desc">6 in all</desc>' in svg
    assert "<b>" not in svg and "&lt;b&gt;Reached&lt;/b&gt;" in svg
    assert "style=" not in svg
    assert len(re.findall(r"<rect [^>]*><title>", svg)) == 3  # one per non-empty segment


def test_long_ranges_are_drawn_per_week_and_small_countries_grouped() -> None:
    rows = [
        {"day": f"2026-{m:02d}-01", "outcome": "done", "country": c, "count": 1}
        for m in range(1, 12)
        for c in ("NO", "SE", "NL", "DE", "FR", "GB", "CA", "US")
    ]
    data = chart.stacked(rows, "country", {}, other_label="Other")
    assert data.weekly
    assert all(date.fromisoformat(b).weekday() == 0 for b in data.buckets)  # Mondays
    assert len(data.series) == chart.MAX_SERIES + 1 and data.series[-1].label == "Other"
    assert sum(data.total(b) for b in data.buckets) == len(rows)
