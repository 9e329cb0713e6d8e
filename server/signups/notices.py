"""Emails about signups, composed after the fact from a durable marker.

A change that volunteers must hear about (an RSVP, a promotion, a decline...) sets
``Signup.notice`` in its own write transaction: the marker commits or rolls back with
the change, so no message is lost or sent for nothing. ``send_pending`` then composes
and queues the messages (templates, calendar invitations, reminders) in short
transactions of their own. Composing is most of an RSVP's cost, and the RSVP path holds
the event's write lock: this keeps the lock short and the RSVP fast.

The manage link is minted when its message is composed (its hash replaces the one
written with the signup, whose secret nobody ever saw): links exist only in mail.

It runs in the background of ``muster serve`` (with the mail worker, unless
``--no-worker``) and of ``muster worker``; an RSVP wakes it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
import weakref
from collections.abc import AsyncIterator, Iterable
from typing import Any

from litestar import Litestar

from server.db import write_transaction
from server.signups import notify, rows
from server.signups.tables import Signup
from server.tokens import hash_secret, new_secret

log = logging.getLogger(__name__)

# What to tell: the signup's current status with a fresh manage link; a place that opened
# up; an organizer's decline; a move to the waitlist (a shift got smaller); reminders again.
STATUS, PROMOTED, DECLINED, MOVED, REMIND = "status", "promoted", "declined", "moved", "remind"
BATCH = 100
POLL_S = 2.0

_wakers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event] = (
    weakref.WeakKeyDictionary()
)


async def stopped(event: dict[str, Any], row: dict[str, Any]) -> None:
    """Inside the change's transaction: ``row``'s volunteer stopped going (cancelled,
    declined, removed, blocked, moved to a waitlist). Reminders are per address and
    event, so they stop — and are planned again from another of their signups to this
    event (another shift) that is still going."""
    await notify.stopped(event["id"], row["email"])
    others = await Signup.select(*rows.SIGNUP_COLUMNS).where(
        (Signup.event == event["id"])
        & (Signup.volunteer == row["volunteer"])
        & (Signup.id != row["id"])
    )
    await mark([o["id"] for o in others if rows.going(o)][:1], REMIND)


async def mark(ids: Iterable[uuid.UUID], kind: str) -> None:
    """Inside the change's transaction: these signups have something to hear.

    A pending "status" message is never replaced: composed later, it tells the status
    as it is then (a promotion included) and carries the link the volunteer still needs.
    """
    ids = list(ids)
    if not ids:
        return
    query = Signup.update({Signup.notice: kind}).where(Signup.id.is_in(ids))
    if kind != STATUS:
        query = query.where(Signup.notice != STATUS)
    await query


def wake() -> None:
    """After a commit that marked something: the background sender starts now."""
    with contextlib.suppress(RuntimeError):
        event = _wakers.get(asyncio.get_running_loop())
        if event is not None:
            event.set()


async def send_pending(limit: int = BATCH) -> int:
    """Compose and queue up to ``limit`` pending messages; how many were sent.

    A message that fails (a template error, a lost connection) stays pending and is
    tried again on the next round; the others do not wait behind it.
    """
    pending = (
        await Signup.select(Signup.id, Signup.event)
        .where(Signup.notice != "")
        .order_by(Signup.updated_at)
        .limit(limit)
    )
    sent = 0
    for item in pending:
        try:
            async with write_transaction(lock=f"event:{item['event']}"):
                await _send_one(item["id"])
        except Exception:
            log.exception("could not compose the email for signup %s", item["id"])
            continue
        sent += 1
    return sent


async def flush() -> int:
    """Everything pending (tests, and the end of a worker's run)."""
    total = 0
    while done := await send_pending():
        total += done
    if await Signup.count().where(Signup.notice != ""):
        raise RuntimeError("some signup emails could not be composed (see the log)")
    return total


async def _send_one(signup_id: uuid.UUID) -> None:
    try:
        row = await rows.signup(signup_id)
    except Exception:  # deleted meanwhile (purge, a shift removed): nothing to tell
        return
    kind = row["notice"]
    if not kind:
        return  # another sender got here first
    event = await rows.event(row["event"])
    await _compose(kind, event, row)
    await Signup.update({Signup.notice: ""}).where(
        (Signup.id == signup_id) & (Signup.notice == kind)
    )


async def _compose(kind: str, event: dict[str, Any], row: dict[str, Any]) -> None:
    stamp = f"{row['updated_at']:%Y%m%dT%H%M%S%f}"
    if kind == STATUS:
        if row["status"] == "cancelled":
            return
        token = new_secret()
        await Signup.update({Signup.manage_token_hash: hash_secret(token)}).where(
            Signup.id == row["id"]
        )
        to = rows.recipient(row, token)
        key = f"rsvp:{row['id']}:{token[:12]}"
        await notify.tell_status(event, to, rows.shown_status(row), key=key)
    elif kind == PROMOTED and rows.going(row):
        await notify.promoted(event, [rows.recipient(row)], key=f"{row['id']}:{stamp}")
    elif kind == DECLINED and row["status"] == "declined":
        await notify.declined(event, rows.recipient(row), key=f"{row['id']}:{stamp}")
    elif kind == MOVED and rows.shown_status(row) == "waitlisted":
        await notify.tell_status(
            event, rows.recipient(row), "waitlisted", key=f"moved_to_waitlist:{row['id']}:{stamp}"
        )
    elif kind == REMIND and rows.going(row):
        await notify.remind(event, rows.recipient(row))


async def run(stop: asyncio.Event, poll_s: float = POLL_S) -> None:
    """Send pending messages until ``stop`` is set; woken early by ``wake()``."""
    woken = _wakers.setdefault(asyncio.get_running_loop(), asyncio.Event())
    while not stop.is_set():
        woken.clear()
        try:
            while await send_pending():
                if stop.is_set():
                    break
        except Exception:  # a lost connection: log it, try again later
            log.exception("signup notices failed; retrying")
        with contextlib.suppress(TimeoutError):
            waiter = asyncio.ensure_future(woken.wait())
            stopper = asyncio.ensure_future(stop.wait())
            try:
                await asyncio.wait_for(
                    asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED),
                    timeout=poll_s,
                )
            finally:
                waiter.cancel()
                stopper.cancel()


@contextlib.asynccontextmanager
async def running() -> AsyncIterator[None]:
    """The sender in the background of this process."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(stop), name="signup-notices")
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=15)


def lifespan(enabled: bool) -> Any:
    """For ``Litestar(lifespan=[...])``: runs the sender when the mail worker runs here."""

    @contextlib.asynccontextmanager
    async def manager(app: Litestar) -> AsyncIterator[None]:
        if not enabled:
            yield
            return
        async with running():
            yield

    return manager
