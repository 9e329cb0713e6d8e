"""Places: who takes how many, whether more fit, and moving the waitlist up.

A signup takes ``1 + guests`` places of its event, and of its shift if it has one,
while it is ``going`` or ``checked_in`` and not blocked. Everything here that decides
or changes a status runs inside the caller's ``write_transaction(lock="event:<id>")``,
so two RSVPs for the last place are never both told "going".
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.signups.tables import Shift, Signup
from server.tokens import utcnow

TAKING = ("going", "checked_in")  # statuses that take places
OPEN = ("pending", "going", "waitlisted", "checked_in")  # still wanted by the volunteer

_TAKEN_BY_SLOT = """SELECT slot, COALESCE(SUM(1 + guests), 0) AS taken FROM signup
    WHERE event = {} AND status IN ('going', 'checked_in') AND blocked = {}
    GROUP BY slot"""


def fits(capacity: int | None, taken: int, need: int) -> bool:
    return capacity is None or taken + need <= capacity


def left(capacity: int | None, taken: int) -> int | None:
    return None if capacity is None else max(0, capacity - taken)


@dataclass
class Usage:
    """Places taken in an event: in total and per slot ("" = no shift)."""

    by_slot: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_slot.values())

    def slot(self, slot: str) -> int:
        return self.by_slot.get(slot, 0)

    def take(self, slot: str, need: int) -> None:
        self.by_slot[slot] = self.by_slot.get(slot, 0) + need


async def usage(event_id: uuid.UUID) -> Usage:
    """One indexed query (``signup_places`` covers it)."""
    rows = await Signup.raw(_TAKEN_BY_SLOT, event_id, False).run()
    return Usage({str(r["slot"] or ""): int(r["taken"]) for r in rows})


async def shift_capacities(event_id: uuid.UUID) -> dict[str, int | None]:
    rows = await Shift.select(Shift.id, Shift.capacity).where(Shift.event == event_id)
    return {str(r["id"]): r["capacity"] for r in rows}


def counted(event: dict[str, Any], shift_capacity: int | None) -> bool:
    """Whether places are counted in public here (``availability``): the event or the
    chosen shift has a capacity. An RSVP there must be confirmed before it takes a place,
    or the public count would tell whether an address had signed up before (``rsvp``)."""
    return event["capacity"] is not None or shift_capacity is not None


def room_for(
    event: dict[str, Any], shift_capacity: int | None, used: Usage, slot: str, need: int
) -> bool:
    """True when ``need`` more places fit the event and the slot's shift."""
    return fits(event["capacity"], used.total, need) and (
        not slot or fits(shift_capacity, used.slot(slot), need)
    )


async def room_now(event: dict[str, Any], slot: str, need: int) -> bool:
    """Whether ``need`` more places fit the event and the slot's shift as things stand
    (read under the event's write lock by whoever then takes them)."""
    used = await usage(event["id"])
    capacities = await shift_capacities(event["id"])
    return room_for(event, capacities.get(slot), used, slot, need)


async def waiting_before(event_id: uuid.UUID, slot: str, since: datetime | None) -> int:
    """How many wait in the same queue (event and slot) ahead of ``since`` (all if None)."""
    query = Signup.count().where(
        (Signup.event == event_id)
        & (Signup.slot == slot)
        & (Signup.status == "waitlisted")
        & (Signup.blocked == False)  # noqa: E712 - a SQL expression, not a comparison
    )
    if since is not None:
        query = query.where(Signup.waitlisted_at < since)
    return int(await query)


async def promote(event: dict[str, Any]) -> list[uuid.UUID]:
    """Move the first waitlisted signups who fit to ``going`` (``promoted_at`` set).

    In waitlist order; someone who does not fit (too many guests, a full shift) keeps
    their place in the queue and the next one is tried. Returns the promoted ids.
    """
    waiting = (
        await Signup.select(Signup.id, Signup.slot, Signup.guests)
        .where(
            (Signup.event == event["id"])
            & (Signup.status == "waitlisted")
            & (Signup.blocked == False)  # noqa: E712
        )
        .order_by(Signup.waitlisted_at)
        .order_by(Signup.created_at)
    )
    if not waiting:
        return []
    used = await usage(event["id"])
    capacities = await shift_capacities(event["id"])
    promoted: list[uuid.UUID] = []
    for row in waiting:
        slot, need = str(row["slot"] or ""), 1 + int(row["guests"])
        if event["capacity"] is not None and used.total >= event["capacity"]:
            break  # the event is full: nobody else fits
        if room_for(event, capacities.get(slot), used, slot, need):
            used.take(slot, need)
            promoted.append(row["id"])
    if promoted:
        now = utcnow()
        await Signup.update(
            {Signup.status: "going", Signup.promoted_at: now, Signup.updated_at: now}
        ).where(Signup.id.is_in(promoted))
    return promoted
