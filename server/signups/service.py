"""Volunteer side after the RSVP (``rsvp.py``): a signup seen, changed or cancelled by its
secret manage link, a volunteer's signups for "my signups" (``home_links``), and the events
hook.

- Secret links (manage, my signups) carry 256 random bits, only their SHA-256 is kept,
  and they reach the volunteer by email only.
- A silently blocked signup looks like an ordinary waitlisted one to its volunteer, and
  never shows the exact address.

Every write runs in ``write_transaction(lock="event:<id>")``: capacity is read and taken
under the lock; what volunteers must hear is marked in the same transaction (``notices``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from server.db import write_transaction
from server.errors import Conflict, NotFound, ValidationFailed
from server.events.hooks import EventChanged
from server.events.schemas import EventOut
from server.events.views import attendee_event, public_event
from server.i18n import N_
from server.mail import event_notices
from server.signups import notices, places, rows
from server.signups.rsvp import too_many_guests
from server.signups.tables import Signup
from server.tokens import hash_secret, new_secret, utcnow

SECRET_MAX = 200  # longer "tokens" are not ours: answer 404 without hashing megabytes


async def _signup_row(
    event_id: uuid.UUID, slot: str, volunteer_id: uuid.UUID
) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await Signup.select(*rows.SIGNUP_COLUMNS)
        .where(
            (Signup.event == event_id) & (Signup.slot == slot) & (Signup.volunteer == volunteer_id)
        )
        .first()
    )
    return row


async def issue_manage_link(signup_id: uuid.UUID) -> str:
    """A fresh manage secret for a signup (the old one stops working); nothing is sent.

    For tests and operators: volunteers get theirs by email only.
    """
    token = new_secret()
    async with write_transaction():
        updated = (
            await Signup.update({Signup.manage_token_hash: hash_secret(token)})
            .where(Signup.id == signup_id)
            .returning(Signup.id)
        )
    if not updated:
        raise NotFound(N_("No such signup"))
    return token


# --- a signup, seen and changed by its volunteer ------------------------------------------


async def signup_for_token(token: str) -> uuid.UUID:
    """The signup whose manage link carries ``token``; ``NotFound`` otherwise."""
    if not token or len(token) > SECRET_MAX:
        raise NotFound(N_("This link is not valid (any more)."))
    row = (
        await Signup.select(Signup.id).where(Signup.manage_token_hash == hash_secret(token)).first()
    )
    if row is None:
        raise NotFound(N_("This link is not valid (any more)."))
    return uuid.UUID(str(row["id"]))


@dataclass(frozen=True, slots=True)
class SignupView:
    """A signup as its volunteer sees it."""

    id: uuid.UUID
    status: str  # shown status: a blocked signup reads "waitlisted"
    display_name: str
    guests: int
    position: int | None
    shift: dict[str, Any] | None
    event: EventOut
    shifts: list[dict[str, Any]]
    max_guests: int
    can_change: bool
    can_cancel: bool
    can_confirm: bool = False  # an RSVP that holds no place until its volunteer confirms
    discreet: bool = False  # the event keeps its title out of subjects and page titles

    @property
    def sees_address(self) -> bool:
        return self.status in places.TAKING


async def view(signup_id: uuid.UUID, base_url: str) -> SignupView:
    row = await rows.signup(signup_id)
    event = await rows.event(row["event"])
    status = rows.shown_status(row)
    position = None
    if row["status"] == "waitlisted" and not row["blocked"]:
        position = await places.waiting_before(event["id"], row["slot"], row["waitlisted_at"]) + 1
    shown = attendee_event(event, base_url) if rows.going(row) else public_event(event, base_url)
    shift = None
    if row["shift"]:
        shift = {
            "id": row["shift"],
            "role": row["shift_role"],
            "starts_at": row["shift_starts_at"],
            "ends_at": row["shift_ends_at"],
        }
    active = row["status"] in (*places.OPEN, rows.UNCONFIRMED) and rows.takes_rsvps(event)
    return SignupView(
        id=row["id"],
        status=status,
        display_name=row["display_name"],
        guests=row["guests"],
        position=position,
        shift=shift,
        event=shown,
        shifts=await rows.shifts_of(event["id"]),
        max_guests=event["max_guests"],
        can_change=active and row["status"] != "checked_in",
        can_cancel=row["status"] in ("pending", "going", "waitlisted", rows.UNCONFIRMED),
        can_confirm=row["status"] == rows.UNCONFIRMED and rows.takes_rsvps(event),
        discreet=bool(event["discreet"]),
    )


async def change(
    signup_id: uuid.UUID,
    *,
    guests: int | None = None,
    shift_id: uuid.UUID | None = None,
    change_shift: bool = False,
) -> None:
    """Other guests or another shift; a going signup keeps its place only if it fits."""
    current = await rows.signup(signup_id)
    event_id = current["event"]
    async with write_transaction(lock=f"event:{event_id}"):
        row = await rows.signup(signup_id)
        event = await rows.event(event_id)
        rows.require_open(event)
        if row["status"] not in ("pending", "going", "waitlisted", rows.UNCONFIRMED):
            raise Conflict(
                N_("You are checked in: nothing to change.")
                if row["status"] == "checked_in"
                else N_("This RSVP is no longer active: RSVP again on the event page.")
            )
        errors: dict[str, str] = {}
        new_guests = row["guests"] if guests is None else guests
        if new_guests < 0:
            errors["guests"] = N_("Guests cannot be a negative number.")
        elif new_guests > event["max_guests"]:
            errors["guests"] = too_many_guests(event["max_guests"])
        shift = await rows.shift_of(event_id, shift_id, errors) if change_shift else None
        slot = (str(shift["id"]) if shift else "") if change_shift else row["slot"]
        if not errors and slot != row["slot"]:
            await _free_slot(row, slot, errors)
        if not errors and rows.going(row):
            await _check_room(event, row, slot, new_guests, errors)
        if errors:
            raise ValidationFailed(errors)
        await Signup.update(
            {
                Signup.guests: new_guests,
                Signup.slot: slot,
                Signup.shift: uuid.UUID(slot) if slot else None,
                Signup.updated_at: utcnow(),
            }
        ).where(Signup.id == signup_id)
        await _promote(event)
    notices.wake()


async def _free_slot(row: dict[str, Any], slot: str, errors: dict[str, str]) -> None:
    """The (event, slot, volunteer) row must be free: a cancelled old one is dropped."""
    other = await _signup_row(row["event"], slot, row["volunteer"])
    if other is None:
        return
    if other["status"] == "cancelled":
        await Signup.delete().where(Signup.id == other["id"])
    else:
        errors["shift_id"] = N_("You already have an RSVP for that shift.")


async def _check_room(
    event: dict[str, Any], row: dict[str, Any], slot: str, guests: int, errors: dict[str, str]
) -> None:
    used = await places.usage(event["id"])
    used.take(row["slot"], -(1 + row["guests"]))  # this signup's own places are free to reuse
    capacities = await places.shift_capacities(event["id"])
    if not places.room_for(event, capacities.get(slot), used, slot, 1 + guests):
        shift_full = slot and not places.fits(capacities.get(slot), used.slot(slot), 1 + guests)
        if shift_full and slot != row["slot"]:
            errors["shift_id"] = N_("That shift is full: you keep your current place.")
        else:
            errors["guests"] = N_("There are not enough places left for that many guests.")


async def _promote(event: dict[str, Any]) -> list[uuid.UUID]:
    """Move the waitlist up; those who got a place will hear (inside the transaction)."""
    promoted = await places.promote(event)
    await notices.mark(promoted, notices.PROMOTED)
    return promoted


async def cancel(signup_id: uuid.UUID) -> None:
    """The volunteer cancels; their places go to the waitlist at once."""
    current = await rows.signup(signup_id)
    async with write_transaction(lock=f"event:{current['event']}"):
        row = await rows.signup(signup_id)
        if row["status"] in ("cancelled", "declined"):
            return  # already out: cancelling twice is fine
        if row["status"] == "checked_in":
            raise Conflict(N_("You are checked in: ask an organizer on site."))
        now = utcnow()
        await Signup.update(
            {Signup.status: "cancelled", Signup.cancelled_at: now, Signup.updated_at: now}
        ).where(Signup.id == signup_id)
        event = await rows.event(row["event"])
        await notices.stopped(event, row)
        if rows.going(row):
            await _promote(event)
    notices.wake()


async def confirm(signup_id: uuid.UUID) -> str:
    """The volunteer confirms an RSVP from its email: it takes a place now if one is free,
    else joins the waitlist (``Conflict`` when neither is left). Confirming twice is fine.
    Returns the status the volunteer may know."""
    current = await rows.signup(signup_id)
    async with write_transaction(lock=f"event:{current['event']}"):
        row = await rows.signup(signup_id)
        if row["status"] != rows.UNCONFIRMED:
            return rows.shown_status(row)
        event = await rows.event(row["event"])
        rows.require_open(event)
        now = utcnow()
        changes: dict[Any, Any] = {Signup.updated_at: now}
        if await places.room_now(event, row["slot"], 1 + row["guests"]):
            changes[Signup.status] = "going"
        elif event["waitlist_enabled"]:
            changes.update({Signup.status: "waitlisted", Signup.waitlisted_at: now})
        else:
            raise Conflict(N_("Sorry: the last places were taken before you confirmed."))
        await Signup.update(changes).where(Signup.id == signup_id)
        await notices.mark([signup_id], notices.NOW)
    notices.wake()
    return str(changes[Signup.status])


# --- "my signups" (its links: ``home_links``) ---------------------------------------------


async def home(volunteer_id: uuid.UUID, base_url: str) -> list[SignupView]:
    """Every signup of the volunteer, soonest event first."""
    ids = await Signup.select(Signup.id).where(Signup.volunteer == volunteer_id)
    views = [await view(r["id"], base_url) for r in ids]
    return sorted(
        views,
        key=lambda v: (v.event.starts_at, v.shift["starts_at"] if v.shift else v.event.starts_at),
    )


async def signup_of_volunteer(volunteer_id: uuid.UUID, signup_id: uuid.UUID) -> uuid.UUID:
    row = await Signup.select(Signup.volunteer).where(Signup.id == signup_id).first()
    if row is None or row["volunteer"] != volunteer_id:
        raise NotFound(N_("No such signup"))
    return signup_id


# --- the events hook ----------------------------------------------------------------------


async def on_event_changed(change: EventChanged) -> None:
    """Runs inside the event's write transaction (``events.hooks``): more places may move
    the waitlist up; a change or cancellation is told to everyone still signed up."""
    after = change.after
    if after["status"] == "published":
        await _promote(after)
    kind: event_notices.NoticeKind
    if change.cancelled:
        kind = "event_cancelled"
    elif change.calendar_visible and after["status"] == "published":
        kind = "event_changed"
    else:
        return
    # Only marked here: composing for a big event would hold the write lock, and a
    # template error would fail the organizer's edit (``signups.event_notices`` composes
    # them afterwards, for whoever is still signed up then).
    if await rows.open_recipients(change.event_id):
        await event_notices.mark(after, kind, change.before)
