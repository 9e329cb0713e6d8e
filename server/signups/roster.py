"""Organizer side: who is coming, counts, CSV, approve/decline/remove/block, check-in.

Attendee data is for members of the event's organization only (invariant 1): anyone
else gets ``NotFound``, also for a signup id that exists. Viewers read; changing a
signup needs the organizer role. Every change runs under the event's write lock.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from server.accounts import audit
from server.accounts import service as accounts
from server.accounts.service import OrganizerView, Role
from server.db import write_transaction
from server.errors import Conflict, NotFound
from server.events import service as events
from server.i18n import N_, translate
from server.signups import notices, places, rows, shifts
from server.signups.lifecycle import is_tombstone
from server.signups.schemas import AttendeeOut, Counts, ShiftOut
from server.signups.tables import Signup
from server.tokens import utcnow

Action = Literal["approve", "decline", "remove", "block", "unblock", "check_in", "undo_check_in"]
ACTIONS: tuple[Action, ...] = (
    "approve",
    "decline",
    "remove",
    "block",
    "unblock",
    "check_in",
    "undo_check_in",
)
STATUSES = ("pending", "going", "waitlisted", "checked_in", "declined", "cancelled")
# The audit log's name for each action (accounts/audit.py).
AUDITED: dict[str, str] = {
    "approve": "signup.approved",
    "decline": "signup.declined",
    "remove": "signup.removed",
    "block": "signup.blocked",
    "unblock": "signup.unblocked",
    "check_in": "signup.checked_in",
    "undo_check_in": "signup.check_in_undone",
}


def count(items: list[dict[str, Any]], capacity: int | None) -> Counts:
    counts = Counts(capacity=capacity)
    for r in items:
        if r["blocked"]:
            counts.blocked += 1
            continue
        setattr(counts, r["status"], getattr(counts, r["status"]) + 1)
        if r["status"] in places.TAKING:
            counts.guests += r["guests"]
            counts.places_taken += 1 + r["guests"]
    return counts


def with_positions(items: list[dict[str, Any]]) -> None:
    """Number each queue (event and slot) in waitlist order, in place."""
    queues: dict[str, int] = {}
    waiting = [r for r in items if r["status"] == "waitlisted" and not r["blocked"]]
    for r in sorted(waiting, key=lambda r: (r["waitlisted_at"], r["created_at"])):
        queues[r["slot"]] = queues.get(r["slot"], 0) + 1
        r["position"] = queues[r["slot"]]


@dataclass
class RosterView:
    event: dict[str, Any]
    role: Role
    counts: Counts
    shifts: list[tuple[ShiftOut, Counts]]
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def can_edit(self) -> bool:
        return self.role in ("organizer", "owner")


async def _role(viewer: OrganizerView | None, event: dict[str, Any]) -> Role:
    return await accounts.require_role(viewer, event["organization"], "viewer")


async def roster(
    viewer: OrganizerView | None,
    event_id: uuid.UUID,
    *,
    status: str = "",
    shift: str = "",
    query: str = "",
) -> RosterView:
    """The event's signups (filtered by status, shift or a name/email search), with
    counts for the whole event and per shift."""
    event = await events.event_for_member(viewer, event_id, "viewer")
    role = await _role(viewer, event)
    items = await rows.signups_of_event(event_id)
    for r in items:
        r["position"] = None
        # A volunteer who deleted their data (or was purged) stays only for the counts:
        # nothing to show, nobody to write to, nothing to decide.
        r["deleted"] = is_tombstone(r["email"])
        if r["deleted"]:
            r["email"] = r["display_name"] = r["phone"] = ""
    with_positions(items)
    used = await places.usage(event_id)
    event_left = places.left(event["capacity"], used.total)
    per_shift = []
    for s in await rows.shifts_of(event_id):
        mine = [r for r in items if r["slot"] == str(s["id"])]
        per_shift.append(
            (shifts.shift_out(s, event["timezone"], used, event_left), count(mine, s["capacity"]))
        )
    shown = items
    if status == "blocked":
        shown = [r for r in shown if r["blocked"]]
    elif status in STATUSES:
        shown = [r for r in shown if r["status"] == status and not r["blocked"]]
    if shift == "none":
        shown = [r for r in shown if not r["slot"]]
    elif shift:
        shown = [r for r in shown if r["slot"] == shift]
    needle = " ".join(query.split()).casefold()
    if needle:
        shown = [r for r in shown if needle in r["display_name"].casefold() or needle in r["email"]]
    return RosterView(event, role, count(items, event["capacity"]), per_shift, shown)


def attendee_out(r: dict[str, Any]) -> AttendeeOut:
    return AttendeeOut(
        id=r["id"],
        display_name=r["display_name"],
        email=r["email"],
        phone=r["phone"],
        status=r["status"],
        guests=r["guests"],
        blocked=bool(r["blocked"]),
        shift_id=r["shift"],
        shift_role=r["shift_role"],
        created_at=r["created_at"],
        position=r.get("position"),
        checked_in_at=r["checked_in_at"],
        promoted_at=r["promoted_at"],
    )


# --- CSV -------------------------------------------------------------------------------------

# Column names for the organizer, in their language when the file is made.
CSV_HEADER = (
    N_("name"),
    N_("email"),
    N_("phone"),
    N_("status"),
    N_("guests"),
    N_("shift"),
    N_("waitlist position"),
    N_("signed up (UTC)"),
    N_("checked in (UTC)"),
    N_("blocked"),
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """Text a spreadsheet will not run: a leading = + - @ (or tab/CR) gets a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def csv_text(view: RosterView) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([translate(name) for name in CSV_HEADER])
    for r in view.items:
        writer.writerow(
            [
                csv_cell(v)
                for v in (
                    r["display_name"],
                    r["email"],
                    r["phone"],
                    r["status"],
                    r["guests"],
                    r["shift_role"] or "",
                    r.get("position") or "",
                    _when(r["created_at"]),
                    _when(r["checked_in_at"]),
                    "yes" if r["blocked"] else "",
                )
            ]
        )
    return out.getvalue()


# --- changing a signup -------------------------------------------------------------------------


async def signup_for_member(
    viewer: OrganizerView | None, signup_id: uuid.UUID, at_least: Role = "viewer"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The signup and its event; ``NotFound`` for non-members (also when it exists)."""
    try:
        row = await rows.signup(signup_id)
        event = await events.event_for_member(viewer, row["event"], at_least)
    except NotFound:
        raise NotFound(N_("No such signup")) from None
    return row, event


async def act(viewer: OrganizerView | None, signup_id: uuid.UUID, action: Action) -> dict[str, Any]:
    """Apply ``action`` to a signup (organizer role); the signup as it is afterwards."""
    _, event = await signup_for_member(viewer, signup_id, "organizer")
    async with write_transaction(lock=f"event:{event['id']}"):
        row = await rows.signup(signup_id)
        if is_tombstone(row["email"]):
            raise Conflict(N_("This person deleted their data; they stay only in the counts."))
        event = await rows.event(row["event"])
        changes = await _apply(event, row, action)
        if changes:
            changes[Signup.updated_at] = utcnow()
            await Signup.update(changes).where(Signup.id == signup_id)
        after = await rows.signup(signup_id)
        await _tell(event, row, after, action)
        if changes:  # by the signup's id only: the log never names a volunteer
            moved = f"signup {signup_id}: {row['status']} -> {after['status']}"
            await audit.record(
                event["organization"], viewer, AUDITED[action], event["title"], moved,
                subject_id=event["id"],
            )  # fmt: skip
        if rows.going(row) and not rows.going(after):
            await notices.mark(await places.promote(event), notices.PROMOTED)
    notices.wake()
    return await rows.signup(signup_id)


async def _apply(event: dict[str, Any], row: dict[str, Any], action: Action) -> dict[Any, Any]:
    status, now = row["status"], utcnow()
    if action == "approve":
        if status != "pending":
            raise Conflict(N_("Only a pending RSVP can be approved."))
        if row["blocked"] or await places.room_now(event, row["slot"], 1 + row["guests"]):
            return {Signup.status: "going", Signup.decided_at: now}
        return {Signup.status: "waitlisted", Signup.decided_at: now, Signup.waitlisted_at: now}
    if action == "decline":
        if status not in ("pending", "waitlisted"):
            raise Conflict(N_("Only a pending or waitlisted RSVP can be declined; remove others."))
        return {Signup.status: "declined", Signup.decided_at: now}
    if action == "remove":
        if status not in places.OPEN:
            raise Conflict(N_("This RSVP is no longer active."))
        return {Signup.status: "declined", Signup.decided_at: now}
    if action in ("block", "unblock"):
        return await _block(event, row, action == "block")
    if action == "check_in":
        if status == "checked_in":
            return {}
        if status != "going" or row["blocked"]:
            raise Conflict(N_("Only people who are going can be checked in."))
        return {Signup.status: "checked_in", Signup.checked_in_at: now}
    if action == "undo_check_in":
        if status != "checked_in":
            return {}
        return {Signup.status: "going", Signup.checked_in_at: None}
    raise NotFound(N_("No such action"))


async def _block(event: dict[str, Any], row: dict[str, Any], block: bool) -> dict[Any, Any]:
    if bool(row["blocked"]) == block:
        return {}
    if block:
        return {Signup.blocked: True}
    changes: dict[Any, Any] = {Signup.blocked: False}
    # Their place may have gone to someone else meanwhile: back to the queue if so.
    if row["status"] in places.TAKING and not await places.room_now(
        event, row["slot"], 1 + row["guests"]
    ):
        changes.update({Signup.status: "waitlisted", Signup.waitlisted_at: utcnow()})
    return changes


async def _tell(
    event: dict[str, Any], before: dict[str, Any], after: dict[str, Any], action: Action
) -> None:
    """Mail for what the volunteer may know; a block is silent (reminders just stop)."""
    if action == "approve":
        await notices.mark([after["id"]], notices.NOW)  # their link stays the same
    elif action in ("decline", "remove") and before["status"] != after["status"]:
        await notices.stopped(event, after)
        await notices.mark([after["id"]], notices.DECLINED)
    elif action == "block" and after["blocked"] and not before["blocked"]:
        await notices.stopped(event, after)
    elif action == "unblock" and rows.going(after) and not rows.going(before):
        await notices.mark([after["id"]], notices.REMIND)
