"""msgspec Structs: what the signups API accepts and answers (also the OpenAPI schema).

An RSVP answer (``RsvpOut``) never carries a manage link or anything that depends on
whether the email was known: the link goes to the mailbox only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from server.events.schemas import EventOut

SignupStatus = Literal[
    "unconfirmed", "pending", "going", "waitlisted", "declined", "cancelled", "checked_in"
]
# An RSVP joins a waitlist only once confirmed ("unconfirmed" until then): see rsvp.py.
RsvpStatus = Literal["going", "pending", "unconfirmed", "full"]


class SignupInput(msgspec.Struct, forbid_unknown_fields=True):
    """An RSVP. ``guests`` are people coming along (at most the event's ``max_guests``);
    ``shift_id`` is one of the event's shifts, or null to just attend."""

    display_name: Annotated[str, msgspec.Meta(description="How organizers will call you")]
    email: str
    phone: str = ""
    guests: int = 0
    shift_id: UUID | None = None
    if_shift_full: Annotated[
        Literal["waitlist", "no_shift"],
        msgspec.Meta(
            description=(
                "When the chosen shift has no place left but the event has: join the "
                "shift's waitlist (the default), or come to the event without a shift."
            )
        ),
    ] = "waitlist"


class RsvpOut(msgspec.Struct):
    """What became of an RSVP: ``going``, ``pending`` (the organizer approves each RSVP)
    or ``unconfirmed`` (places are counted: confirm from the email to take one or join
    the waitlist). The private manage link is emailed. ``position`` is always null now
    (a waitlist is joined on confirmation) and stays for older clients."""

    status: RsvpStatus
    event_id: UUID
    shift_id: UUID | None
    guests: int
    position: int | None = None
    message: str = ""


class ShiftOut(msgspec.Struct):
    id: UUID
    role: str
    description: str
    starts_at: datetime  # in the event's own zone
    ends_at: datetime
    capacity: int | None
    places_left: int | None  # None: no limit
    full: bool


class Availability(msgspec.Struct):
    """Places of an event and of each shift (people and their guests)."""

    event_id: UUID
    open: bool  # RSVPs are taken (published, not over, not cancelled)
    capacity: int | None
    places_left: int | None
    full: bool
    waitlist_enabled: bool
    requires_approval: bool
    max_guests: int
    shifts: list[ShiftOut]


class ShiftRef(msgspec.Struct):
    id: UUID
    role: str
    starts_at: datetime
    ends_at: datetime


class SignupOut(msgspec.Struct):
    """A volunteer's own signup, as its manage link shows it. ``event.address`` is the
    exact address only while the signup is going (address-hidden events)."""

    id: UUID
    status: SignupStatus
    display_name: str
    guests: int
    shift: ShiftRef | None
    event: EventOut
    position: int | None = None


class SignupChange(msgspec.Struct, forbid_unknown_fields=True):
    """Change guests and/or the shift; an omitted field stays as it is, and
    ``"shift_id": null`` leaves the shift (just attending)."""

    guests: int | msgspec.UnsetType = msgspec.UNSET
    shift_id: UUID | msgspec.UnsetType | None = msgspec.UNSET


class AttendeeOut(msgspec.Struct):
    id: UUID
    display_name: str
    email: str
    phone: str
    status: SignupStatus
    guests: int
    blocked: bool
    shift_id: UUID | None
    shift_role: str | None
    created_at: datetime
    position: int | None = None
    checked_in_at: datetime | None = None
    promoted_at: datetime | None = None


class Counts(msgspec.Struct):
    """People (not counting guests) per status, and places taken (counting guests)."""

    going: int = 0
    checked_in: int = 0
    waitlisted: int = 0
    pending: int = 0
    declined: int = 0
    cancelled: int = 0
    blocked: int = 0
    guests: int = 0
    places_taken: int = 0
    capacity: int | None = None


class ShiftCounts(msgspec.Struct):
    shift: ShiftOut
    counts: Counts


class Roster(msgspec.Struct):
    event_id: UUID
    counts: Counts
    shifts: list[ShiftCounts]
    items: list[AttendeeOut]


class SignupHint(msgspec.Struct):
    """A warning about a pattern in the signups (never acted on automatically)."""

    kind: Annotated[
        Literal["burst", "network", "many_events"],
        msgspec.Meta(
            description="`burst`: many signups within minutes; `network`: many from one "
            "network; `many_events`: this person signed up to 3+ other sensitive events "
            "in the last 30 days"
        ),
    ]
    message: str
    signup_ids: list[UUID]


class SignupHints(msgspec.Struct):
    """Anomaly hints for a sensitive event (discreet, approval-only, or its address for
    attendees only); ``sensitive`` false means no hints are computed for it."""

    event_id: UUID
    sensitive: bool
    hints: list[SignupHint]


class ShiftInput(msgspec.Struct, forbid_unknown_fields=True):
    """A shift. Times without an offset are read in the event's timezone. Shrinking
    ``capacity`` below the places taken needs ``move_to_waitlist``: the signup ids that
    move to the waitlist (enough of them to fit)."""

    role: str
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    capacity: int | None = None
    move_to_waitlist: list[UUID] = msgspec.field(default_factory=list)


class MySignupsRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: str
