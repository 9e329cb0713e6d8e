"""Reports of suspicious events: anyone may flag a public event; admins review the list.

A fake rally is how a persecutor harvests names, so reporting must be effortless and safe:
no account, and nothing about the reporter is stored (no email, no address, no IP).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from server.accounts.service import OrganizerView, has_control_chars
from server.db import write_transaction
from server.errors import NotFound, ValidationFailed
from server.events import service as events
from server.i18n import N_, Text
from server.privacy.tables import Report
from server.tokens import utcnow

# (value, label); labels are translated in the template.
REASONS: tuple[tuple[str, str], ...] = (
    ("trap", N_("It may be a trap to find or expose people")),
    ("fake", N_("The organizer is not who they claim to be")),
    ("unsafe", N_("The place or plan looks unsafe")),
    ("hateful", N_("Hateful or harassing content")),
    ("other", N_("Something else")),
)
REASON_VALUES = frozenset(value for value, _ in REASONS)
MAX_DETAILS = 2000


@dataclass(frozen=True, slots=True)
class OpenReport:
    id: uuid.UUID
    event_id: uuid.UUID
    event_title: str | None  # None when the event is no longer public
    reason: str
    details: str
    created_at: datetime


async def report_event(event_id: uuid.UUID, reason: str, details: str) -> uuid.UUID:
    """Store a report on a publicly visible event; ``NotFound`` for anything else."""
    await events.visible_event(None, event_id)  # only what the public can see can be reported
    details = details.strip()
    errors = {}
    if reason not in REASON_VALUES:
        errors["reason"] = N_("Choose what worries you.")
    if len(details) > MAX_DETAILS:
        errors["details"] = Text("Use at most %(limit)s characters.", limit=MAX_DETAILS)
    elif has_control_chars(details):
        errors["details"] = N_("Remove the control characters.")
    if errors:
        raise ValidationFailed(errors)
    row = Report(event=event_id, reason=reason, details=details)
    async with write_transaction():
        await row.save()
    return row.id


def _admin(viewer: OrganizerView | None) -> OrganizerView:
    if viewer is None or not viewer.is_admin:
        raise NotFound()
    return viewer


async def open_reports(viewer: OrganizerView | None) -> list[OpenReport]:
    _admin(viewer)
    rows = (
        await Report.select()
        .where(Report.handled_at.is_null())
        .order_by(Report.created_at, ascending=False)
        .limit(500)
    )
    titles: dict[uuid.UUID, str | None] = {}
    for row in rows:
        if row["event"] not in titles:
            try:
                titles[row["event"]] = (await events.visible_event(None, row["event"])).row["title"]
            except NotFound:
                titles[row["event"]] = None
    return [
        OpenReport(
            r["id"], r["event"], titles[r["event"]], r["reason"], r["details"], r["created_at"]
        )
        for r in rows
    ]


async def mark_handled(viewer: OrganizerView | None, report_id: uuid.UUID) -> None:
    admin = _admin(viewer)
    async with write_transaction():
        updated = (
            await Report.update({Report.handled_at: utcnow(), Report.handled_by: admin.id})
            .where((Report.id == report_id) & Report.handled_at.is_null())
            .returning(Report.id)
        )
    if not updated:
        raise NotFound(N_("No such open report"))
