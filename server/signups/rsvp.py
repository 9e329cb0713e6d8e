"""Taking RSVPs: checked, placed under the event's write lock, written, never overbooked.

Privacy: nothing seen from outside depends on whether the email was already signed up for
this event (and slot): not the answer (what a newcomer would get right now), not the work
done, not the number of mails, not the public counts. So:

- A known address changes nothing: its existing link keeps working, and it gets one
  "you are already signed up" mail (at most one a day per event; no link in it).
- Where places are counted in public (the event or the chosen shift has a capacity), an
  RSVP holds no place until its volunteer confirms it from the email: a newcomer's RSVP
  and a repeat look alike in the counts, the waitlist and its positions, and nobody can
  take a place in someone else's name. Unconfirmed RSVPs are dropped after
  ``CONFIRM_WITHIN`` (``lifecycle.drop_unconfirmed``).

Throughput: every RSVP of an event must be decided one after the other (that is what
keeps the last place from going twice), and a durable commit costs milliseconds (an
fsync on PostgreSQL). So RSVPs that arrive for the same event while one is being
written wait in a queue, and the next transaction takes them all: one lock, one commit,
each decided in arrival order exactly as if alone. A request that fails validation gets
its own error; the others still commit.
"""

from __future__ import annotations

import asyncio
import re
import uuid
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from server import i18n
from server.accounts.service import normalize_email, validate_email
from server.db import write_transaction
from server.errors import Conflict, DomainError, NotFound, ValidationFailed
from server.events import service as events
from server.events.service import is_public
from server.events.validation import bad_text
from server.i18n import N_, Text
from server.signups import notices, places, rows
from server.signups.schemas import SignupInput
from server.signups.tables import Signup, Volunteer
from server.text import one_line
from server.tokens import hash_secret, new_secret, utcnow

PHONE = re.compile(r"^\+?[0-9 ()./\-]{3,40}$")
BATCH_MAX = 200  # RSVPs decided in one transaction at most (bounds the lock's hold)
CONFIRM_WITHIN = timedelta(hours=48)


def clean_contact(data: SignupInput) -> tuple[dict[str, Any], dict[str, str]]:
    """Name, email, phone and guests checked without the event (every error at once)."""
    errors: dict[str, str] = {}
    name = one_line(data.display_name)  # no bidi overrides: they reverse names on lists
    if not name:
        errors["display_name"] = N_("Tell the organizers what to call you.")
    elif len(name) > 100 or bad_text(name):
        errors["display_name"] = N_("Use one line of at most 100 characters.")
    email = normalize_email(data.email)
    errors.update(validate_email(email))
    phone = " ".join(data.phone.split())
    if phone and not PHONE.match(phone):
        errors["phone"] = N_("Enter a phone number with digits only, like +49 30 1234567.")
    if data.guests < 0:
        errors["guests"] = N_("Guests cannot be a negative number.")
    values = {"display_name": name, "email": email, "phone": phone, "guests": data.guests}
    return values, errors


def too_many_guests(limit: int) -> str:
    if limit == 0:
        return N_("This event takes no guests: each person RSVPs for themselves.")
    return Text("Bring at most %(n)s guests.", n=limit)


@dataclass(frozen=True, slots=True)
class RsvpOutcome:
    """What the person who sent the RSVP is told (the same for a known email)."""

    status: str  # going | waitlisted | pending | unconfirmed | full
    event_id: uuid.UUID
    shift_id: uuid.UUID | None
    guests: int
    position: int | None = None
    # The chosen shift was full and the volunteer chose the event without a shift.
    without_full_shift: bool = False


@dataclass
class _Ask:
    data: SignupInput
    values: dict[str, Any]
    errors: dict[str, str]
    answer: asyncio.Future[RsvpOutcome]


# Per event loop, per event: the RSVPs waiting for the next transaction.
_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[uuid.UUID, list[_Ask]]] = (
    weakref.WeakKeyDictionary()
)
_writers: set[asyncio.Task[None]] = set()


async def rsvp(event_id: uuid.UUID, data: SignupInput, network: str = "") -> RsvpOutcome:
    """Sign up for an event (and maybe a shift); ``ValidationFailed`` names each bad field,
    ``Conflict`` when the event is cancelled or over, ``NotFound`` when it is not public.
    ``network`` is the client's network hash (``anomalies.network_of``), stored as is."""
    values, errors = clean_contact(data)
    values["network"] = network
    values["language"] = i18n.current.get()  # the request's: this signup's mail speaks it
    loop = asyncio.get_running_loop()
    queues = _queues.setdefault(loop, {})
    ask = _Ask(data, values, errors, loop.create_future())
    queue = queues.get(event_id)
    if queue is not None:
        queue.append(ask)  # a writer is busy with this event: it takes this one next
    else:
        queues[event_id] = [ask]
        # Its own task: a client that goes away must not cancel the others' RSVPs.
        task = loop.create_task(_write_queue(queues, event_id), name=f"rsvp:{event_id}")
        _writers.add(task)
        task.add_done_callback(_writers.discard)
    return await ask.answer


async def _write_queue(queues: dict[uuid.UUID, list[_Ask]], event_id: uuid.UUID) -> None:
    while True:
        queue = queues[event_id]
        batch = queue[:BATCH_MAX]
        del queue[: len(batch)]
        if not batch:
            del queues[event_id]  # no await since the check: nothing can slip in between
            return
        try:
            async with write_transaction(lock=f"event:{event_id}"):
                results = await _decide_all(event_id, batch)
        except asyncio.CancelledError:  # shutting down: nobody is left waiting forever
            for ask in batch + queues.pop(event_id, []):
                ask.answer.cancel()
            raise
        except Exception as exc:  # nothing was written: each of them hears why
            for ask in batch:
                if not ask.answer.done():
                    ask.answer.set_exception(exc)
            continue
        notices.wake()
        for ask, result in zip(batch, results, strict=True):
            if ask.answer.done():
                continue  # the client went away; its RSVP stands
            if isinstance(result, RsvpOutcome):
                ask.answer.set_result(result)
            else:
                ask.answer.set_exception(result)


@dataclass
class _Batch:
    """What one transaction knows while it decides its RSVPs in order, and what it will
    write at the end (a few statements for the whole batch, not a few per RSVP)."""

    event: dict[str, Any]
    used: places.Usage
    now: datetime
    shifts: dict[uuid.UUID, dict[str, Any] | None] = field(default_factory=dict)
    volunteers: dict[str, uuid.UUID] = field(default_factory=dict)  # email -> id
    signups: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (email, slot)
    new_volunteers: dict[str, uuid.UUID] = field(default_factory=dict)
    inserts: list[dict[str, Any]] = field(default_factory=list)
    taken_up: list[tuple[uuid.UUID, dict[str, Any]]] = field(default_factory=list)
    again: list[uuid.UUID] = field(default_factory=list)

    def tick(self) -> datetime:
        """Strictly increasing times within the batch: the waitlist's order is arrival order."""
        self.now += timedelta(microseconds=1)
        return self.now


async def _decide_all(event_id: uuid.UUID, batch: list[_Ask]) -> list[RsvpOutcome | DomainError]:
    event = await events.rsvp_rules(event_id)
    if event is None or not is_public(event):
        return [NotFound(N_("No such event")) for _ in batch]
    try:
        rows.require_open(event)
    except DomainError as exc:
        return [type(exc)(exc.detail) for _ in batch]
    state = _Batch(event, await places.usage(event_id), utcnow())
    await _load_known(state, {a.values["email"] for a in batch if "email" not in a.errors})
    results: list[RsvpOutcome | DomainError] = []
    for ask in batch:
        try:
            results.append(await _decide(state, ask))
        except (ValidationFailed, Conflict, NotFound) as exc:  # raised before any write
            results.append(exc)
    await _write(state)
    return results


# Which of these addresses are known, and their signups of this event (by slot).
_KNOWN = """SELECT v.email AS email, v.id AS volunteer, s.id AS signup, s.status AS status,
        s.slot AS slot
    FROM volunteer v LEFT JOIN signup s ON s.volunteer = v.id AND s.event = {}
    WHERE v.email IN ({})"""


async def _load_known(state: _Batch, emails: set[str]) -> None:
    if not emails:
        return
    marks = ", ".join("{}" for _ in emails)
    found = await Volunteer.raw(
        _KNOWN.replace("IN ({})", f"IN ({marks})"), state.event["id"], *emails
    ).run()
    for row in found:
        state.volunteers[row["email"]] = uuid.UUID(str(row["volunteer"]))
        if row["signup"] is not None:
            state.signups[(row["email"], row["slot"] or "")] = {
                "id": uuid.UUID(str(row["signup"])),
                "status": row["status"],
            }


async def _shift(
    state: _Batch, shift_id: uuid.UUID | None, errors: dict[str, str]
) -> dict[str, Any] | None:
    if shift_id is None:
        return None
    if shift_id not in state.shifts:
        state.shifts[shift_id] = await rows.shift_of(state.event["id"], shift_id, {})
    shift = state.shifts[shift_id]
    if shift is None:
        errors["shift_id"] = N_("Choose one of this event's shifts.")
    return shift


async def _decide(state: _Batch, ask: _Ask) -> RsvpOutcome:
    event, data, values, errors = state.event, ask.data, ask.values, dict(ask.errors)
    shift = await _shift(state, data.shift_id, errors)
    if "guests" not in errors and data.guests > event["max_guests"]:
        errors["guests"] = too_many_guests(event["max_guests"])
    if errors:
        raise ValidationFailed(errors)
    # Checked: from here on this RSVP only adds to what the batch writes.
    need = 1 + data.guests
    moved = False
    # Decided now, when the RSVP is made: a shift filling up before the email is confirmed
    # still waitlists it for that shift (``confirm``).
    if (
        shift is not None
        and data.if_shift_full == "no_shift"
        and _shift_full_event_not(state, shift, need)
    ):
        shift, moved = None, True
    slot = str(shift["id"]) if shift else ""
    shift_capacity = shift["capacity"] if shift else None
    if event["requires_approval"]:
        status = "pending"  # takes no place, counted nowhere in public
    elif places.room_for(event, shift_capacity, state.used, slot, need):
        status = "going"
    elif event["waitlist_enabled"]:
        status = "waitlisted"
    else:
        status = "full"
    if status in ("going", "waitlisted") and places.counted(event, shift_capacity):
        # Always the case for a waitlist (only counted places run out).
        status = "unconfirmed"  # holds nothing until confirmed from the email
    existing = state.signups.get((values["email"], slot))
    if existing is not None and existing["status"] != "cancelled":
        state.again.append(existing["id"])  # nothing changes; they hear of it once a day
    elif status != "full":
        _add_signup(state, shift, values, status, existing)
    shift_id = shift["id"] if shift else None
    return RsvpOutcome(status, event["id"], shift_id, data.guests, without_full_shift=moved)


def _shift_full_event_not(state: _Batch, shift: dict[str, Any], need: int) -> bool:
    """The shift has no room for ``need`` but the event itself has."""
    event, slot = state.event, str(shift["id"])
    return not places.room_for(event, shift["capacity"], state.used, slot, need) and (
        places.room_for(event, None, state.used, "", need)
    )


def _add_signup(
    state: _Batch,
    shift: dict[str, Any] | None,
    values: dict[str, Any],
    status: str,
    cancelled: dict[str, Any] | None,
) -> None:
    """A new signup, or a cancelled one taken up again (the same row: it is unique).

    Its manage link is minted when the confirmation is composed (``notices``); the hash
    stored now belongs to a secret nobody ever sees.
    """
    now = state.tick()
    fields: dict[str, Any] = {
        "display_name": values["display_name"],
        "phone": values["phone"],
        "status": status,
        "guests": values["guests"],
        "manage_token_hash": hash_secret(new_secret()),
        "notice": notices.STATUS,
        "updated_at": now,
        "waitlisted_at": None,  # only a confirmed RSVP joins a waitlist
        "network": values["network"],
        "language": values["language"],
    }
    if cancelled is not None:
        state.taken_up.append((cancelled["id"], fields))
        cancelled["status"] = status
        return
    email = values["email"]
    if email not in state.volunteers:
        state.volunteers[email] = state.new_volunteers[email] = uuid.uuid4()
    slot = str(shift["id"]) if shift else ""
    signup_id = uuid.uuid4()
    state.inserts.append(
        {
            **fields,
            "id": signup_id,
            "shift": shift["id"] if shift else None,
            "slot": slot,
            "email": email,
            "created_at": now,
        }
    )
    state.signups[(email, slot)] = {"id": signup_id, "status": status}


_NEW_VOLUNTEERS = """INSERT INTO volunteer (id, email, locale, created_at) VALUES {}
    ON CONFLICT (email) DO NOTHING RETURNING id, email"""
_NEW_SIGNUPS = """INSERT INTO signup (id, event, shift, slot, volunteer, display_name, phone,
    status, guests, manage_token_hash, blocked, created_at, updated_at, waitlisted_at, notice,
    network, language) VALUES {}"""
_CHUNK = 50  # rows per INSERT statement


def _values(rows_: int, columns: int) -> str:
    one = "(" + ", ".join("{}" for _ in range(columns)) + ")"
    return ", ".join(one for _ in range(rows_))


async def _write(state: _Batch) -> None:
    """Plain SQL, a few statements per batch: this path is hot, and building ORM rows
    costs more than writing them."""
    if state.new_volunteers:
        await _insert_volunteers(state)
    for start in range(0, len(state.inserts), _CHUNK):
        chunk = state.inserts[start : start + _CHUNK]
        args: list[Any] = []
        for r in chunk:
            args += [
                r["id"], state.event["id"], r["shift"], r["slot"], state.volunteers[r["email"]],
                r["display_name"], r["phone"], r["status"], r["guests"], r["manage_token_hash"],
                False, r["created_at"], r["updated_at"], r["waitlisted_at"], r["notice"],
                r["network"], r["language"],
            ]  # fmt: skip
        await Signup.raw(_NEW_SIGNUPS.replace("{}", _values(len(chunk), 17), 1), *args).run()
    for signup_id, fields in state.taken_up:
        reset = {"promoted_at": None, "decided_at": None, "checked_in_at": None}
        changes = {getattr(Signup, k): v for k, v in {**fields, **reset}.items()}
        await Signup.update({**changes, Signup.cancelled_at: None}).where(Signup.id == signup_id)
    await notices.mark(list(dict.fromkeys(state.again)), notices.AGAIN)


async def _insert_volunteers(state: _Batch) -> None:
    new = list(state.new_volunteers.items())
    args: list[Any] = []
    languages = {r["email"]: r["language"] for r in state.inserts}
    for email, volunteer_id in new:
        args += [volunteer_id, email, languages.get(email, i18n.SOURCE), state.now]
    inserted = await Volunteer.raw(
        _NEW_VOLUNTEERS.replace("{}", _values(len(new), 4), 1), *args
    ).run()
    created = {r["email"] for r in inserted}
    # Created meanwhile by an RSVP for another event (ON CONFLICT DO NOTHING): use theirs.
    for email, _ in new:
        if email not in created:
            found = await rows.volunteer_id(email)
            assert found is not None
            state.volunteers[email] = found
