"""The organizer's results: chart + tables for the page, and the CSV export.

Both are for members of the organization only (they include volunteers' notes).
CSV cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a leading
apostrophe, so a note like ``=HYPERLINK(...)`` stays text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from litestar import Response
from litestar.response import Stream

from server.accounts.service import OrganizerView
from server.actions import chart, completions, service
from server.i18n import N_, Text

PER_PAGE = 50
OUTCOME_LABELS = {
    "done": N_("Done"),
    "reached": N_("Reached someone"),
    "voicemail": N_("Left a voicemail"),
    "no_answer": N_("No answer"),
    "sent": N_("Sent"),
}
CSV_COLUMNS = (
    "created_at_utc",
    "action",
    "kind",
    "outcome",
    "country",
    "from_signup",
    "note",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def country_label(code: str) -> str:
    return service.country_name(code) if code else N_("Not given")


async def page_context(viewer: OrganizerView, campaign_id: UUID, page: int) -> dict[str, Any]:
    campaign = await service.campaign_for_member(viewer, campaign_id)
    days = await completions.by_day(viewer, campaign_id)
    rows = await completions.member_completions(
        viewer, campaign_id, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE
    )
    by_outcome: dict[str, int] = {}
    by_country: dict[str, int] = {}
    for r in days:
        by_outcome[r["outcome"]] = by_outcome.get(r["outcome"], 0) + r["count"]
        by_country[r["country"]] = by_country.get(r["country"], 0) + r["count"]
    countries = {code: country_label(code) for code in by_country}
    outcome_chart = chart.stacked(days, "outcome", OUTCOME_LABELS, order=completions.OUTCOMES)
    country_chart = chart.stacked(days, "country", countries)
    total = sum(by_outcome.values())
    # What the public page counts: completions of live actions, calls nobody answered left
    # out (completions.UNCOUNTED). Said beside the total, so the two numbers agree in words.
    _, progress = await completions.campaign_progress(viewer, campaign_id)
    weekly = outcome_chart.weekly
    desc = Text(
        "%(total)s completions in all. The table below the chart has the same numbers.",
        total=total,
    )
    return {
        "campaign": campaign,
        "total": total,
        "counted": progress.count,
        "by_outcome": [
            (OUTCOME_LABELS.get(k, k), by_outcome[k])
            for k in completions.OUTCOMES
            if k in by_outcome
        ],
        "by_country": sorted(
            ((countries[k], v) for k, v in by_country.items()), key=lambda item: -item[1]
        ),
        "outcome_chart": outcome_chart,
        "country_chart": country_chart,
        "outcome_svg": chart.svg(
            outcome_chart,
            title=N_("Completions per week, by outcome")
            if weekly
            else N_("Completions per day, by outcome"),
            desc=desc,
            id_prefix="chart-outcome",
        ),
        "country_svg": chart.svg(
            country_chart,
            title=N_("Completions per week, by country")
            if weekly
            else N_("Completions per day, by country"),
            desc=desc,
            id_prefix="chart-country",
        ),
        "completions": rows[:PER_PAGE],
        "outcome_labels": OUTCOME_LABELS,
        "country_label": country_label,
        "page": page,
        "has_next": len(rows) > PER_PAGE,
    }


async def _csv_lines(viewer: OrganizerView, campaign_id: UUID) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([safe_cell(v) for v in values])
        return buffer.getvalue()

    yield "\ufeff" + line(list(CSV_COLUMNS))  # the BOM makes spreadsheets read UTF-8
    async for row in completions.all_member_completions(viewer, campaign_id):
        yield line(
            [
                row["created_at"].strftime("%Y-%m-%dT%H:%M:%SZ"),
                row["task_title"],
                row["task_kind"],
                row["outcome"],
                row["country"],
                "yes" if row["volunteer_id"] is not None else "no",
                row["note"],
            ]
        )


async def csv_response(viewer: OrganizerView, campaign_id: UUID) -> Response[Any]:
    # Check access before the first byte: a streamed answer cannot turn into a 404 later.
    campaign = await service.campaign_for_member(viewer, campaign_id)
    return Stream(
        _csv_lines(viewer, campaign_id),
        media_type="text/csv; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="actions-{campaign["id"]}.csv"',
        },
    )
