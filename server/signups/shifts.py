"""Shifts: roles and time slots with their own capacity; places left for everyone to see.

Organizers (role organizer or owner) create, edit and delete an event's shifts. Shrinking
a shift below the places its going volunteers take needs an explicit list of who moves
to the waitlist: nobody loses a promised place by accident.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.accounts import audit
from server.accounts.service import OrganizerView, Role
from server.db import write_transaction
from server.errors import Conflict, NotFound, ValidationFailed
from server.events import service as events
from server.events.validation import bad_text, to_utc
from server.i18n import N_, Text
from server.signups import notices, places, rows
from server.signups.schemas import Availability, ShiftInput, ShiftOut
from server.signups.tables import Shift, Signup
from server.text import one_line
from server.tokens import utcnow

MAX_SHIFT = timedelta(hours=48)
AROUND_EVENT = timedelta(days=1)
MAX_CAPACITY = 100_000


def shift_out(row: dict[str, Any], tz: str, used: places.Usage, event_left: int | None) -> ShiftOut:
    zone = ZoneInfo(tz)
    own_left = places.left(row["capacity"], used.slot(str(row["id"])))
    shift_left = (
        own_left
        if event_left is None
        else (event_left if own_left is None else min(own_left, event_left))
    )
    return ShiftOut(
        id=row["id"],
        role=row["role"],
        description=row["description"],
        starts_at=row["starts_at"].astimezone(zone),
        ends_at=row["ends_at"].astimezone(zone),
        capacity=row["capacity"],
        places_left=shift_left,
        full=shift_left is not None and shift_left <= 0,
    )


async def availability(event: dict[str, Any]) -> Availability:
    """Places left in the event and each shift (no personal data: anyone may see it)."""
    used = await places.usage(event["id"])
    event_left = places.left(event["capacity"], used.total)
    shift_rows = await rows.shifts_of(event["id"])
    return Availability(
        event_id=event["id"],
        open=rows.takes_rsvps(event),
        capacity=event["capacity"],
        places_left=event_left,
        full=event_left is not None and event_left <= 0,
        waitlist_enabled=bool(event["waitlist_enabled"]),
        requires_approval=bool(event["requires_approval"]),
        max_guests=int(event["max_guests"]),
        shifts=[shift_out(r, event["timezone"], used, event_left) for r in shift_rows],
    )


async def public_availability(
    viewer: OrganizerView | None, event_id: uuid.UUID
) -> tuple[dict[str, Any], Availability]:
    """For whoever may see the event (``NotFound`` otherwise)."""
    found = await events.visible_event(viewer, event_id)
    return found.row, await availability(found.row)


def clean_shift(data: ShiftInput, event: dict[str, Any]) -> dict[str, Any]:
    """Checked column values; ``ValidationFailed`` names every bad field."""
    errors: dict[str, str] = {}
    role = one_line(data.role)  # as names: no bidi overrides (server/text.py)
    if not role:
        errors["role"] = N_("Name the role, like Marshal or First aid.")
    elif len(role) > 100 or bad_text(role):
        errors["role"] = N_("Use one line of at most 100 characters.")
    description = data.description.strip()
    if len(description) > 500 or bad_text(description, multiline=True):
        errors["description"] = N_("Use at most 500 characters of text.")
    zone = ZoneInfo(event["timezone"])
    starts = _instant(data.starts_at, zone, "starts_at", errors)
    ends = _instant(data.ends_at, zone, "ends_at", errors)
    if starts and ends:
        if ends <= starts:
            errors["ends_at"] = N_("The end must be after the start.")
        elif ends - starts > MAX_SHIFT:
            errors["ends_at"] = N_("A shift can last at most 48 hours.")
        elif starts < event["starts_at"] - AROUND_EVENT or ends > event["ends_at"] + AROUND_EVENT:
            errors["starts_at"] = N_("Keep the shift within a day of the event's own times.")
    if data.capacity is not None and not 0 <= data.capacity <= MAX_CAPACITY:
        errors["capacity"] = N_("Use a number from 0 to 100,000, or leave it empty.")
    if errors:
        raise ValidationFailed(errors)
    return {
        "role": role,
        "description": description,
        "starts_at": starts,
        "ends_at": ends,
        "capacity": data.capacity,
    }


def _instant(
    value: datetime, zone: ZoneInfo, field: str, errors: dict[str, str]
) -> datetime | None:
    try:
        return to_utc(value, zone)
    except OverflowError:
        errors[field] = N_("Check the year.")
        return None


async def for_member(
    viewer: OrganizerView | None, shift_id: uuid.UUID, at_least: Role = "organizer"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The shift and its event, for members of the owning organization (404 otherwise)."""
    row: dict[str, Any] | None = await Shift.select().where(Shift.id == shift_id).first()
    if row is None:
        raise NotFound(N_("No such shift"))
    try:
        event = await events.event_for_member(viewer, row["event"], at_least)
    except NotFound:
        raise NotFound(N_("No such shift")) from None
    return row, event


async def create_shift(
    viewer: OrganizerView | None, event_id: uuid.UUID, data: ShiftInput
) -> dict[str, Any]:
    event = await events.event_for_member(viewer, event_id, "organizer")
    values = clean_shift(data, event)
    async with write_transaction(lock=f"event:{event_id}"):
        row = Shift(event=event_id, **values)
        await row.save()
        await _audit(viewer, event, "shift.created", values["role"])
    return await _row(row.id)


async def _audit(
    viewer: OrganizerView | None, event: dict[str, Any], action: str, *what: str
) -> None:
    """The audit log entry, inside the change's transaction: the event, and the shift's
    role and what happened to it (never who: volunteers stay out of the log)."""
    detail = ", ".join(w for w in what if w)
    await audit.record(
        event["organization"], viewer, action, event["title"], detail, subject_id=event["id"]
    )


async def _row(shift_id: uuid.UUID) -> dict[str, Any]:
    row: dict[str, Any] | None = await Shift.select().where(Shift.id == shift_id).first()
    assert row is not None
    return row


async def going_in(shift_id: uuid.UUID) -> list[dict[str, Any]]:
    """Who takes places in the shift (the shrink form lists them), earliest first."""
    return [
        r
        for r in await rows.signups_of_event((await _row(shift_id))["event"])
        if r["slot"] == str(shift_id) and rows.going(r)
    ]


async def update_shift(
    viewer: OrganizerView | None, shift_id: uuid.UUID, data: ShiftInput
) -> dict[str, Any]:
    """Replace the shift's fields; a smaller capacity needs ``move_to_waitlist``."""
    _, event = await for_member(viewer, shift_id)
    values = clean_shift(data, event)
    async with write_transaction(lock=f"event:{event['id']}"):
        taking = await going_in(shift_id)
        moved = await _make_room(event, shift_id, taking, values["capacity"], data.move_to_waitlist)
        await Shift.update({getattr(Shift, k): v for k, v in values.items()}).where(
            Shift.id == shift_id
        )
        fresh = await rows.event(event["id"])
        await notices.mark(await places.promote(fresh), notices.PROMOTED)
        for row in moved:
            await notices.stopped(event, row)
        await notices.mark([row["id"] for row in moved], notices.MOVED)
        moves = f"{len(moved)} moved to the waitlist" if moved else ""
        await _audit(viewer, event, "shift.updated", values["role"], moves)
    notices.wake()
    return await _row(shift_id)


async def _make_room(
    event: dict[str, Any],
    shift_id: uuid.UUID,
    taking: list[dict[str, Any]],
    capacity: int | None,
    chosen: list[uuid.UUID],
) -> list[dict[str, Any]]:
    """Move the chosen going volunteers to the waitlist so the new capacity holds."""
    taken = sum(1 + r["guests"] for r in taking)
    if capacity is None or taken <= capacity:
        return []
    by_id = {r["id"]: r for r in taking if r["status"] == "going"}
    if any(c not in by_id for c in chosen):
        raise ValidationFailed(
            {
                "move_to_waitlist": N_(
                    "Choose among the people going in this shift (not checked in)."
                )
            }
        )
    moved = [by_id[c] for c in dict.fromkeys(chosen)]
    freed = sum(1 + r["guests"] for r in moved)
    if taken - freed > capacity:
        raise ValidationFailed(
            {
                "move_to_waitlist": Text(
                    "%(taken)s places are taken and the shift would have %(capacity)s: choose "
                    "who moves to the waitlist to free at least %(more)s more.",
                    taken=taken,
                    capacity=capacity,
                    more=taken - capacity - freed,
                )
            }
        )
    now = utcnow()
    for row in moved:
        # They were there first: at the head of the queue, in their signup order.
        await Signup.update(
            {
                Signup.status: "waitlisted",
                Signup.waitlisted_at: row["created_at"],
                Signup.promoted_at: None,
                Signup.updated_at: now,
            }
        ).where(Signup.id == row["id"])
    return moved


async def delete_shift(viewer: OrganizerView | None, shift_id: uuid.UUID) -> None:
    """Only a shift nobody is signed up for; its cancelled signups go with it."""
    shift, event = await for_member(viewer, shift_id)
    async with write_transaction(lock=f"event:{event['id']}"):
        active = await Signup.count().where(
            (Signup.shift == shift_id) & Signup.status.is_in(list(places.OPEN))
        )
        if active:
            raise Conflict(
                Text(
                    "%(active)s people are signed up for this shift: remove them or move them "
                    "to another shift first.",
                    active=active,
                )
            )
        await Signup.delete().where(Signup.shift == shift_id)
        await Shift.delete().where(Shift.id == shift_id)
        await _audit(viewer, event, "shift.deleted", shift["role"])
