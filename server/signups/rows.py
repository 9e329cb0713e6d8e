"""Reading signups, shifts and events the way the signups services need them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from server.errors import Conflict, NotFound
from server.events import service as events
from server.i18n import N_
from server.mail import notices as mail_notices
from server.mail.compose import Recipient
from server.signups import places
from server.signups.lifecycle import is_tombstone
from server.signups.tables import Shift, Signup, Volunteer
from server.tokens import utcnow

UNCONFIRMED = "unconfirmed"  # an RSVP that holds nothing until confirmed (``rsvp``)
SIGNUP_COLUMNS = (
    *Signup.all_columns(),
    Signup.volunteer.email.as_alias("email"),
    Signup.volunteer.locale.as_alias("locale"),
    Signup.shift.role.as_alias("shift_role"),
    Signup.shift.starts_at.as_alias("shift_starts_at"),
    Signup.shift.ends_at.as_alias("shift_ends_at"),
)


async def signup(signup_id: uuid.UUID) -> dict[str, Any]:
    row: dict[str, Any] | None = (
        await Signup.select(*SIGNUP_COLUMNS).where(Signup.id == signup_id).first()
    )
    if row is None:
        raise NotFound(N_("No such signup"))
    return row


async def signups_of_event(event_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every signup but the unconfirmed: an RSVP nobody has confirmed from its email may
    have been sent in someone else's name, so organizers never see it (``rsvp``)."""
    rows: list[dict[str, Any]] = (
        await Signup.select(*SIGNUP_COLUMNS)
        .where((Signup.event == event_id) & (Signup.status != UNCONFIRMED))
        .order_by(Signup.created_at)
    )
    return rows


async def event(event_id: uuid.UUID) -> dict[str, Any]:
    row = await events.event_row(event_id)
    if row is None:
        raise NotFound(N_("No such event"))
    return row


def is_over(row: dict[str, Any], now: datetime | None = None) -> bool:
    return bool(row["ends_at"] <= (now or utcnow()))


def takes_rsvps(row: dict[str, Any]) -> bool:
    return row["status"] == "published" and not is_over(row)


def require_open(row: dict[str, Any]) -> None:
    """RSVPs and changes only while the event is published and not over."""
    if row["status"] == "cancelled":
        raise Conflict(N_("This event has been cancelled."))
    if row["status"] != "published":
        raise NotFound(N_("No such event"))
    if is_over(row):
        raise Conflict(N_("This event is over."))


async def shifts_of(event_id: uuid.UUID) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Shift.select()
        .where(Shift.event == event_id)
        .order_by(Shift.starts_at)
        .order_by(Shift.role)
    )
    return rows


async def shift_of(
    event_id: uuid.UUID, shift_id: uuid.UUID | None, errors: dict[str, str]
) -> dict[str, Any] | None:
    """The event's shift ``shift_id``; an error on ``shift_id`` when it is not one of them
    (unknown, or another event's: the same message, nothing to probe)."""
    if shift_id is None:
        return None
    row: dict[str, Any] | None = await Shift.select().where(Shift.id == shift_id).first()
    if row is None or row["event"] != event_id:
        errors["shift_id"] = N_("Choose one of this event's shifts.")
        return None
    return row


async def volunteer_id(email: str) -> uuid.UUID | None:
    row = await Volunteer.select(Volunteer.id).where(Volunteer.email == email).first()
    return row["id"] if row else None


def shown_status(row: dict[str, Any]) -> str:
    """What the volunteer is told: a blocked signup looks like an ordinary waitlisted one
    (and so never gets the exact address)."""
    return "waitlisted" if row["blocked"] else str(row["status"])


def going(row: dict[str, Any]) -> bool:
    return row["status"] in places.TAKING and not row["blocked"]


def recipient(row: dict[str, Any], token: str = "") -> Recipient:
    """A signup's volunteer; only the going may get mail with the exact address."""
    return Recipient(
        email=row["email"],
        name=str(row.get("display_name") or ""),
        locale=str(row.get("language") or row.get("locale") or "en"),
        going=going(row),
        manage_url=mail_notices.manage_url(token) if token else "",
        key=str(row["id"]),
    )


async def open_recipients(event_id: uuid.UUID) -> list[Recipient]:
    """Everyone still signed up (one per address; the exact address only for the going)."""
    by_email: dict[str, Recipient] = {}
    for row in await signups_of_event(event_id):
        if row["status"] not in places.OPEN or is_tombstone(row["email"]):
            continue  # a deleted volunteer's anonymised signup: nobody to tell
        to = recipient(row)
        known = by_email.get(to.email)
        if known is None or (to.going and not known.going):
            by_email[to.email] = to
    return list(by_email.values())
