"""The audit log of an organization: who saw or exported attendee data, changed an event
or a shift, decided on a signup, invited or removed a member — for its owners.

Decisions:

- Organizer data only. An entry names the acting organizer, the thing acted on by id and
  a snapshot of its organizer-given name (event title, shift role, invited email, a
  member's display name) and a short detail ("12 rows, filter: going"). It never holds a
  volunteer's name, email or phone — not even the search text typed into the attendee
  list — so the purge and a volunteer's deletion never have to touch this table. A
  signup decision names the signup by its id only, which means nothing once it is gone.
- Atomic with the change: ``record`` joins the caller's open write transaction (the event
  update, the invitation), so the entry commits or rolls back with it; outside one it
  opens its own. Callers record inside their ``write_transaction`` block.
- Views are coalesced. The check-in page refreshes often (htmx searches), so repeated
  ``coalesce=True`` records — same organization, actor, action, subject and channel —
  within ``COALESCE_WINDOW`` of the entry's first time update that entry (``repeats``,
  ``last_at``, the latest detail) instead of adding rows: at most one entry per person,
  event and kind of view every ten minutes, with how often and until when.
- A view is a write here. "A GET changes nothing" (invariant 4) is about what users act
  on; the log is bookkeeping like an access log, and cannot be forged cross-site into
  anything but a truthful line.
- API tokens act as their organizer; ``via`` says which token ("API token <name>").
- Owners only read it (``entries``): non-members get ``NotFound``, other members
  ``PermissionDenied``. Entries live as long as the organization (they go with it).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from server import db

# accounts.service records through this module and this module asks it about roles: the
# two import each other, so names from it are looked up when called, not at import time.
from server.accounts import service as accounts
from server.accounts.tables import AuditEntry, Membership, Organizer
from server.tokens import utcnow

if TYPE_CHECKING:
    from server.accounts.service import OrganizerView

COALESCE_WINDOW = timedelta(minutes=10)
MAX_LIMIT = 200
DEFAULT_LIMIT = 50
# The first part of every action ("event.updated" is in "event"); the owners' filter.
FAMILIES = (
    "attendees", "checkin", "signup", "event", "campaign", "shift", "member", "org", "account",
)  # fmt: skip
_LIMITS = {"via": 120, "action": 48, "subject_id": 64, "subject": 300, "detail": 1000}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[dict[str, Any]]
    # Pass as ``before`` for the next (older) page; None on the last page.
    next_before: datetime | None


def _clean(value: str, field: str) -> str:
    """One line (no control characters: PostgreSQL refuses NUL), cut to the column."""
    return " ".join(_CONTROL.sub(" ", value).split())[: _LIMITS[field]]


def via(actor: OrganizerView | None) -> str:
    return f"API token {actor.api_token}" if actor and actor.api_token else ""


async def record(
    organization_id: uuid.UUID,
    actor: OrganizerView | None,
    action: str,
    subject: str = "",
    detail: str = "",
    *,
    subject_id: uuid.UUID | str = "",
    coalesce: bool = False,
) -> bool:
    """Write one entry, inside the caller's transaction when one is open.

    With ``coalesce`` a recent identical entry (see the module docstring) is updated
    instead. True when a new entry was written, False when one was updated.
    """
    values = {
        "via": _clean(via(actor), "via"),
        "action": _clean(action, "action"),
        "subject_id": _clean(str(subject_id), "subject_id"),
        "subject": _clean(subject, "subject"),
        "detail": _clean(detail, "detail"),
    }
    if db.engine().current_transaction.get() is not None:
        return await _write(organization_id, actor, values, coalesce)
    lock = f"audit:{organization_id}:{actor.id if actor else ''}" if coalesce else None
    async with db.write_transaction(lock=lock):
        return await _write(organization_id, actor, values, coalesce)


async def _write(
    organization_id: uuid.UUID,
    actor: OrganizerView | None,
    values: dict[str, str],
    coalesce: bool,
) -> bool:
    now = utcnow()
    actor_id = actor.id if actor else None
    if coalesce:
        same_actor = (
            AuditEntry.actor.is_null() if actor_id is None else AuditEntry.actor == actor_id
        )
        merged = (
            await AuditEntry.update(
                {
                    AuditEntry.repeats: AuditEntry.repeats + 1,
                    AuditEntry.last_at: now,
                    AuditEntry.detail: values["detail"],
                }
            )
            .where(
                (AuditEntry.organization == organization_id)
                & same_actor
                & (AuditEntry.action == values["action"])
                & (AuditEntry.subject_id == values["subject_id"])
                & (AuditEntry.via == values["via"])
                & (AuditEntry.created_at >= now - COALESCE_WINDOW)
            )
            .returning(AuditEntry.id)
        )
        if merged:
            return False
    row: dict[str, Any] = {"organization": organization_id, "actor": actor_id, **values}
    await AuditEntry(created_at=now, last_at=now, **row).save()
    return True


async def record_account(actor: OrganizerView, action: str, detail: str = "") -> None:
    """A change to the actor's own account security (``account.*``: a new API token, 2FA
    on or off, new recovery codes), in the log of every organization they belong to.

    The log is per organization and these changes are not, but each one changes who can
    act on those organizations' data (a token reads attendee lists), so their owners see
    it; an organizer without organizations has nothing to log (the mail still goes out).
    Joins the caller's write transaction like ``record``.
    """
    rows = await Membership.select(Membership.organization).where(Membership.organizer == actor.id)
    for row in rows:
        await record(row["organization"], actor, action, actor.display_name, detail)


async def entries(
    viewer: OrganizerView | None,
    org_id: uuid.UUID,
    *,
    before: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
    family: str = "",
) -> AuditPage:
    """Newest first, ``limit`` (1..200) entries older than ``before``; owners only.

    ``family`` keeps one kind of action ("event", "attendees", ...); unknown ones are
    ignored by the pages and refused by the API before they get here.
    """
    await accounts.require_role(viewer, org_id, "owner")
    limit = max(1, min(limit, MAX_LIMIT))
    where: Any = AuditEntry.organization == org_id
    if before is not None:
        where &= AuditEntry.created_at < before
    if family in FAMILIES:
        where &= AuditEntry.action.like(f"{family}.%")
    rows = await _select(where, limit + 1)
    more = len(rows) > limit
    if more and rows[limit]["created_at"] == rows[limit - 1]["created_at"]:
        # The cursor is a time: entries sharing the page's last time all go on this page,
        # or the next one (``created_at < before``) would skip some.
        tie = rows[limit - 1]["created_at"]
        rows = [r for r in rows[:limit] if r["created_at"] != tie]
        rows += await _select(where & (AuditEntry.created_at == tie), MAX_LIMIT)
    else:
        rows = rows[:limit]
    return AuditPage(rows, rows[-1]["created_at"] if more else None)


async def _select(where: Any, limit: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await AuditEntry.select(
            *AuditEntry.all_columns(exclude=[AuditEntry.organization]),
            AuditEntry.actor.display_name.as_alias("actor_name"),
        )
        .where(where)
        .order_by(AuditEntry.created_at, ascending=False)
        .order_by(AuditEntry.id, ascending=False)
        .limit(limit)
    )
    return rows


async def owners(organization_id: uuid.UUID) -> list[dict[str, Any]]:
    """The owners' id, email, name and language (security notices go to them)."""
    rows: list[dict[str, Any]] = (
        await Membership.select(
            Membership.organizer.id.as_alias("id"),
            Membership.organizer.email.as_alias("email"),
            Membership.organizer.display_name.as_alias("display_name"),
            Membership.organizer.locale.as_alias("locale"),
        )
        .where((Membership.organization == organization_id) & (Membership.role == "owner"))
        .order_by(Membership.created_at)
    )
    return rows


async def organizer_name(organizer_id: uuid.UUID) -> str:
    row = await Organizer.select(Organizer.display_name).where(Organizer.id == organizer_id).first()
    return str(row["display_name"]) if row else ""
