"""Event-change and cancellation notices: marked with the change, composed afterwards.

The event's write transaction only records that its attendees are owed a notice
(``mark``: one small row per event, no rendering), so editing a big event neither holds
SQLite's single writer lock while hundreds of messages are rendered nor fails when a
template does. The marker commits or rolls back with the change, so no notice is lost
or sent for a change that did not happen.

Signups, which knows who is coming, composes them in the background
(``signups.event_notices``): ``render`` builds every draft outside any transaction, then
``queue`` writes them in short transactions, each re-checking who is still signed up (a
change notice can carry a newly moved hidden address: invariant 2). Idempotency keys are
per event ``sequence`` and recipient, so a retried or half-done marker never sends twice.
A later change before the notice went out folds into the same marker (newest sequence,
"what changed" merged, a cancellation wins).

Reminders ride on the same marker (``mark_reminders``): an edit holds the event's pending
reminders back (none goes out with the old time or place) and the background sender
re-renders and moves them (``notices.reschedule``) before it composes any notice.

Failures: ``failed`` counts attempts and backs off (``retries.backoff``); after
``retries.MAX_ATTEMPTS`` the marker stays ``failed``, logged for an operator (its held
reminders stay held: nothing is sent that may be out of date).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from server.mail import compose, notices, retries, service
from server.mail.compose import Draft, Recipient
from server.mail.tables import EventNotice, Outbox
from server.tokens import utcnow

log = logging.getLogger(__name__)

CHANGED, CANCELLED = "event_changed", "event_cancelled"
NoticeKind = Literal["event_changed", "event_cancelled"]
BATCH = 10


@dataclass(frozen=True, slots=True)
class Marker:
    id: uuid.UUID
    event_id: uuid.UUID
    kind: str
    sequence: int
    changed: tuple[str, ...]
    attempts: int
    reminders: bool = False  # pending reminders are re-rendered and moved too
    version: int = 0  # changes folded in so far: finishing an older one leaves the marker

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Marker:
        changed = tuple(c for c in str(row["changed"]).split(",") if c)
        return cls(
            row["id"],
            row["event_id"],
            row["kind"],
            row["sequence"],
            changed,
            row["attempts"],
            bool(row["reminders"]),
            row["version"],
        )


def what_changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Which parts of the event a change notice names (never their values)."""

    def differs(*names: str) -> bool:
        return any(before.get(n) != after.get(n) for n in names)

    changed = []
    if differs("title"):
        changed.append("title")
    if differs("starts_at", "ends_at", "timezone"):
        changed.append("time")
    if differs("venue_name", "address", "city", "country", "lat", "lon", "address_visibility"):
        changed.append("place")
    if differs("online_url"):
        changed.append("online")
    if differs("description", "description_format"):
        changed.append("details")
    return changed


async def mark(
    event_row: Mapping[str, Any], kind: NoticeKind, before: Mapping[str, Any] | None
) -> None:
    """Inside the event's write transaction: its attendees are owed this notice."""
    if kind not in (CHANGED, CANCELLED):
        raise ValueError(f"not a notice kind: {kind}")
    changed = what_changed(before, event_row) if before else []
    await _upsert(event_row, kind=kind, changed=changed)


async def mark_reminders(event_row: Mapping[str, Any]) -> None:
    """Inside the event's write transaction: its pending reminders are to be re-rendered
    and moved (``notices.reschedule``) in the background. Until then they are held back,
    so none goes out with the old time or place in the meantime."""
    planned = await Outbox.exists().where(
        (Outbox.event_id == event_row["id"])
        & (Outbox.kind == notices.REMINDER)
        & Outbox.status.is_in([service.PENDING, "sent"])
    )
    if planned:  # most edits of an event nobody is reminded of yet cost one read
        await _upsert(event_row, reminders=True)
        await service.hold_pending(event_row["id"], [notices.REMINDER])


async def _upsert(
    event_row: Mapping[str, Any],
    *,
    kind: str = "",
    changed: Sequence[str] = (),
    reminders: bool = False,
) -> None:
    """One marker per event: a later change folds into it (newest sequence, what changed
    merged, a cancellation wins over a change, reminders once asked for stay asked for)."""
    async with service.atomic():
        row = await EventNotice.select().where(EventNotice.event_id == event_row["id"]).first()
        if row is None:
            await EventNotice.insert(
                EventNotice(
                    event_id=event_row["id"],
                    kind=kind,
                    sequence=event_row["sequence"],
                    changed=",".join(changed),
                    reminders=reminders,
                )
            )
            return
        known = Marker.of(row)
        merged = list(dict.fromkeys([*known.changed, *changed]))
        kinds = {kind, known.kind}
        await EventNotice.update(
            {
                EventNotice.kind: CANCELLED
                if CANCELLED in kinds
                else (CHANGED if CHANGED in kinds else ""),
                EventNotice.sequence: event_row["sequence"],
                EventNotice.changed: ",".join(merged),
                EventNotice.reminders: reminders or known.reminders,
                EventNotice.version: EventNotice.version + 1,
                EventNotice.status: "pending",
                EventNotice.attempts: 0,
                EventNotice.next_attempt_at: utcnow(),
                EventNotice.last_error: "",
            }
        ).where(EventNotice.id == row["id"])


async def due(now: datetime | None = None, limit: int = BATCH) -> list[Marker]:
    rows = (
        await EventNotice.select()
        .where(
            (EventNotice.status == "pending") & (EventNotice.next_attempt_at <= (now or utcnow()))
        )
        .order_by(EventNotice.next_attempt_at)
        .limit(limit)
    )
    return [Marker.of(row) for row in rows]


async def pending_count() -> int:
    return int(await EventNotice.count().where(EventNotice.status == "pending"))


async def render(
    marker: Marker, event_row: Mapping[str, Any], recipients: Iterable[Recipient]
) -> list[tuple[Recipient, Draft]]:
    """Every recipient's message, built outside any transaction (reads only)."""
    info = await notices.event_info(event_row)
    drafts = []
    for to in recipients:
        if marker.kind == CHANGED:
            drafts.append((to, compose.event_changed(info, to, changed=marker.changed)))
        else:
            drafts.append((to, compose.event_cancelled(info, to)))
    return drafts


async def queue(
    marker: Marker, event_row: Mapping[str, Any], drafts: Sequence[tuple[Recipient, Draft]]
) -> int:
    """Inside a write transaction: queue these drafts (the caller re-checked who is still
    signed up). A cancellation also stops each recipient's reminders."""
    queued = 0
    async with service.atomic():
        for to, draft in drafts:
            if marker.kind == CANCELLED:
                await notices.cancel_reminders(event_row["id"], to.email)
            key = f"{marker.kind}:{event_row['id']}:{event_row['sequence']}:{notices.who(to)}"
            queued += await service.queue_draft(
                draft, to, idempotency_key=key, event_id=event_row["id"]
            )
    return queued


async def notify_attendees(
    event_row: Mapping[str, Any],
    recipients: Iterable[Recipient],
    kind: NoticeKind,
    *,
    before: Mapping[str, Any] | None = None,
) -> int:
    """Render and queue a notice to ``recipients`` at once, for a caller that already
    holds them and a write transaction (a handful of people; big events go through
    ``mark`` and the background sender)."""
    changed = tuple(what_changed(before, event_row)) if before else ()
    marker = Marker(uuid.uuid4(), event_row["id"], kind, event_row["sequence"], changed, 0)
    return await queue(marker, event_row, await render(marker, event_row, recipients))


async def done(marker: Marker) -> bool:
    """The notice went out; False when a newer change folded into the marker meanwhile
    (it stays, to be composed again for the newer state)."""
    async with service.atomic():
        deleted = (
            await EventNotice.delete()
            .where((EventNotice.id == marker.id) & (EventNotice.version == marker.version))
            .returning(EventNotice.id)
        )
    return bool(deleted)


async def failed(marker: Marker, error: BaseException, now: datetime | None = None) -> int:
    """Count a failed attempt; back off, or give up after ``retries.MAX_ATTEMPTS``."""
    now = now or utcnow()
    attempts = marker.attempts + 1
    final = attempts >= retries.MAX_ATTEMPTS
    async with service.atomic():
        await EventNotice.update(
            {
                EventNotice.attempts: attempts,
                EventNotice.next_attempt_at: now + retries.backoff(attempts),
                EventNotice.status: "failed" if final else "pending",
                EventNotice.last_error: retries.describe(error),
            }
        ).where((EventNotice.id == marker.id) & (EventNotice.version == marker.version))
    if final:
        log.error(
            "gave up the %s notice of event %s after %d attempts (%s)",
            marker.kind, marker.event_id, attempts, retries.describe(error),
        )  # fmt: skip
    return attempts


async def forget_event(event_id: uuid.UUID) -> None:
    """The event's data is purged (or it is gone): nothing left to tell."""
    async with service.atomic():
        await EventNotice.delete().where(EventNotice.event_id == event_id)
