"""A volunteer's data, exported or deleted on request, and signups purged after the event.

Deleting keeps the counts: each signup stays (same event, shift, status, guests) but its
name, phone and secret link go, and it points to a *tombstone* volunteer — a row with a
random id and an address under ``deleted.invalid`` that nobody can receive or type (RFC
2606). One tombstone per deleted volunteer keeps (event, slot, volunteer) unique. The
privacy feature calls these together with the mail and actions parts (privacy/lifecycle.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from server.signups import home_links
from server.signups.tables import Signup, Volunteer
from server.tokens import hash_secret, new_secret, utcnow

TOMBSTONE_DOMAIN = "@deleted.invalid"


def is_tombstone(email: str) -> bool:
    return email.endswith(TOMBSTONE_DOMAIN)


async def volunteer_of_signup(signup_id: uuid.UUID) -> uuid.UUID:
    row = await Signup.select(Signup.volunteer).where(Signup.id == signup_id).first()
    if row is None:
        raise LookupError(signup_id)
    return uuid.UUID(str(row["volunteer"]))


async def volunteer_email(volunteer_id: uuid.UUID) -> str | None:
    row = await Volunteer.select(Volunteer.email).where(Volunteer.id == volunteer_id).first()
    return str(row["email"]) if row else None


async def export_volunteer(volunteer_id: uuid.UUID) -> dict[str, Any]:
    """The volunteer row (without secret-link hashes) and their signups with their events."""
    volunteer = (
        await Volunteer.select(
            Volunteer.id, Volunteer.email, Volunteer.locale, Volunteer.created_at
        )
        .where(Volunteer.id == volunteer_id)
        .first()
    )
    signups = await (
        Signup.select(
            Signup.id,
            Signup.event.id.as_alias("event_id"),
            Signup.event.title.as_alias("event_title"),
            Signup.event.starts_at.as_alias("event_starts_at"),
            Signup.event.ends_at.as_alias("event_ends_at"),
            Signup.event.timezone.as_alias("event_timezone"),
            Signup.shift.role.as_alias("shift_role"),
            Signup.shift.starts_at.as_alias("shift_starts_at"),
            Signup.shift.ends_at.as_alias("shift_ends_at"),
            Signup.display_name,
            Signup.phone,
            Signup.status,
            Signup.guests,
            Signup.created_at,
            Signup.updated_at,
            Signup.cancelled_at,
            Signup.checked_in_at,
        )
        .where(Signup.volunteer == volunteer_id)
        .order_by(Signup.created_at)
    )
    return {"volunteer": volunteer, "signups": signups}


async def _new_tombstone() -> uuid.UUID:
    tombstone_id = uuid.uuid4()
    await Volunteer.insert(
        Volunteer(id=tombstone_id, email=f"{tombstone_id.hex}{TOMBSTONE_DOMAIN}", locale="en")
    )
    return tombstone_id


async def _anonymise(where: Any, tombstone_id: uuid.UUID) -> int:
    """Strip the signups matched by ``where`` of everything personal, one by one: each
    needs its own unguessable (and unknown) manage-link hash, which is UNIQUE."""
    ids = await Signup.select(Signup.id).where(where)
    for row in ids:
        await Signup.update(
            {
                Signup.volunteer: tombstone_id,
                Signup.display_name: "",
                Signup.phone: "",
                Signup.network: "",  # a keyed hash of where they signed up from
                Signup.manage_token_hash: hash_secret(new_secret()),  # old links now 404
                Signup.notice: "",  # nothing more is sent to anyone about it
                Signup.updated_at: utcnow(),
            }
        ).where(Signup.id == row["id"])
    return len(ids)


async def delete_volunteer(volunteer_id: uuid.UUID) -> int:
    """The volunteer row goes; their signups stay, anonymised. Call inside a transaction."""
    tombstone_id = await _new_tombstone()
    count = await _anonymise(Signup.volunteer == volunteer_id, tombstone_id)
    await home_links.revoke_all(volunteer_id)
    await Volunteer.delete().where(Volunteer.id == volunteer_id)
    return count


async def events_to_purge(before: datetime) -> list[uuid.UUID]:
    """Events that ended before ``before`` and still have a signup with personal data."""
    rows = (
        await Signup.select(Signup.event)
        .where(
            (Signup.event.ends_at < before)
            & Signup.volunteer.email.not_like(f"%{TOMBSTONE_DOMAIN}")
        )
        .distinct()
    )
    return [row["event"] for row in rows]


@dataclass
class Purged:
    """What ``purge_event_signups`` did: signups anonymised, the volunteers they belonged
    to, and those volunteers left with no signup at all (id, address): their row is
    deleted here; their mail and completions are the caller's."""

    signups: int = 0
    volunteers: list[uuid.UUID] = field(default_factory=list)
    gone: list[tuple[uuid.UUID, str]] = field(default_factory=list)


async def purge_event_signups(event_id: uuid.UUID) -> Purged:
    """Anonymise every signup of an ended event (call inside a transaction)."""
    rows = await Signup.select(Signup.volunteer, Signup.volunteer.email.as_alias("email")).where(
        Signup.event == event_id
    )
    volunteers = {row["volunteer"]: row["email"] for row in rows if not is_tombstone(row["email"])}
    done = Purged(volunteers=list(volunteers))
    for volunteer_id, email in volunteers.items():
        tombstone_id = await _new_tombstone()
        done.signups += await _anonymise(
            (Signup.event == event_id) & (Signup.volunteer == volunteer_id), tombstone_id
        )
        if not await Signup.exists().where(Signup.volunteer == volunteer_id):
            await home_links.revoke_all(volunteer_id)
            await Volunteer.delete().where(Volunteer.id == volunteer_id)
            done.gone.append((volunteer_id, email))
    return done


async def drop_unconfirmed(before: datetime) -> Purged:
    """Delete RSVPs never confirmed and made before ``before`` (call inside a transaction).

    They never took part, and may have been sent in someone else's name: nothing of them
    is kept, not even for the counts. Volunteers left with no signup go too (in ``gone``:
    their mail is the caller's)."""
    rows = await Signup.select(
        Signup.id, Signup.volunteer, Signup.volunteer.email.as_alias("email")
    ).where((Signup.status == "unconfirmed") & (Signup.created_at < before))
    done = Purged(signups=len(rows))
    if not rows:
        return done
    await Signup.delete().where(Signup.id.is_in([r["id"] for r in rows]))
    for volunteer_id, email in {r["volunteer"]: r["email"] for r in rows}.items():
        done.volunteers.append(volunteer_id)
        if not await Signup.exists().where(Signup.volunteer == volunteer_id):
            await home_links.revoke_all(volunteer_id)
            await Volunteer.delete().where(Volunteer.id == volunteer_id)
            done.gone.append((volunteer_id, email))
    return done
