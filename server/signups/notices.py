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
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

from litestar import Litestar

from server.accounts import passwords
from server.db import write_transaction
from server.errors import NotFound
from server.mail import notices as mail_notices
from server.mail import retries
from server.mail.worker import in_background
from server.signups import event_notices, home_links, rows
from server.signups.tables import Signup
from server.tokens import hash_secret, new_secret, utcnow

log = logging.getLogger(__name__)

# What to tell: a new signup's status with its first manage link; a place that opened
# up; an organizer's decline; a move to the waitlist (a shift got smaller); reminders again;
# the status now, with no new link (confirmed by the volunteer, approved by an organizer);
# "you are already signed up" (a repeat RSVP: never a new link, at most one a day).
STATUS, PROMOTED, DECLINED, MOVED, REMIND = "status", "promoted", "declined", "moved", "remind"
NOW, AGAIN = "now", "again"
BATCH = 100
POLL_S = 2.0
RETRY = "signup:"  # mail.retries keys: "signup:<id>:<notice kind>"

_wakers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Event] = (
    weakref.WeakKeyDictionary()
)


async def stopped(event: dict[str, Any], row: dict[str, Any]) -> None:
    """Inside the change's transaction: ``row``'s volunteer stopped going (cancelled,
    declined, removed, blocked, moved to a waitlist). Reminders are per address and
    event, so they stop — and are planned again from another of their signups to this
    event (another shift) that is still going."""
    await mail_notices.stopped_going(event["id"], row["email"])
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
    if kind == AGAIN:
        query = query.where(Signup.notice == "")  # anything pending says more than this
    elif kind != STATUS:
        query = query.where(Signup.notice != STATUS)
    await query


def wake() -> None:
    """After a commit that marked something: the background sender starts now."""
    with contextlib.suppress(RuntimeError):
        event = _wakers.get(asyncio.get_running_loop())
        if event is not None:
            event.set()


async def send_pending(limit: int = BATCH, now: datetime | None = None) -> int:
    """Compose and queue up to ``limit`` pending messages; how many were sent.

    A message that fails (a template error, a lost connection) stays pending and is
    tried again after a growing wait (``mail.retries``), at most ``retries.MAX_ATTEMPTS``
    times: the others are never held up behind it, and the ones behind the first
    ``limit`` are reached because those waiting are left out of the query. Event-change
    notices marked by an event's edit are composed here too (``event_notices``).
    """
    # "My signups" links and password resets asked for by email are handled here too.
    handled = await home_links.send_pending(limit)
    handled += await passwords.send_pending(limit)
    handled += await event_notices.send_due(now)
    tried = await retries.known(RETRY, now)
    waiting: dict[uuid.UUID, set[str]] = {}  # signup -> notice kinds not to try now
    for key in (k for k, wait in tried.items() if wait):
        signup_id, kind = key.removeprefix(RETRY).split(":", 1)
        waiting.setdefault(uuid.UUID(signup_id), set()).add(kind)
    query = Signup.select(Signup.id, Signup.event, Signup.notice).where(Signup.notice != "")
    if waiting:
        query = query.where(Signup.id.not_in(list(waiting)))
    pending = list(await query.order_by(Signup.updated_at).limit(limit))
    if waiting:  # one of those may owe another kind of message since: that one goes
        others = await Signup.select(Signup.id, Signup.event, Signup.notice).where(
            Signup.id.is_in(list(waiting)) & (Signup.notice != "")
        )
        pending += [r for r in others if r["notice"] not in waiting[r["id"]]]
    sent = 0
    for item in pending:
        key = f"{RETRY}{item['id']}:{item['notice']}"
        try:
            async with write_transaction(lock=f"event:{item['event']}"):
                await _send_one(item["id"])
                # Failures of this signup's earlier notices are moot now.
                await retries.forget([k for k in tried if k.startswith(f"{RETRY}{item['id']}:")])
        except Exception as exc:
            attempts = await retries.failed(key, exc, now)
            log.warning(
                "could not compose the email for signup %s (attempt %d): %s",
                item["id"], attempts, retries.describe(exc),
            )  # fmt: skip
            continue
        sent += 1
    return handled + sent


async def flush() -> int:
    """Everything pending (tests, and the end of a worker's run)."""
    total = 0
    while done := await send_pending():
        total += done
    if await Signup.count().where(Signup.notice != "") or await event_notices.pending():
        raise RuntimeError("some signup emails could not be composed (see the log)")
    return total


async def _send_one(signup_id: uuid.UUID) -> None:
    try:
        row = await rows.signup(signup_id)
    except NotFound:  # deleted meanwhile (purge, a shift removed): nothing to tell
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
        # Never a piece of the secret itself: keys are stored in clear (invariant 3).
        key = f"rsvp:{row['id']}:{hash_secret(token)[:16]}"
        await mail_notices.tell_status(event, to, rows.shown_status(row), key=key)
    elif kind == PROMOTED and rows.going(row):
        key = f"waitlist_promotion:{row['id']}:{stamp}"
        await mail_notices.promoted(event, rows.recipient(row), key=key)
    elif kind == DECLINED and row["status"] == "declined":
        key = f"rsvp_declined:{row['id']}:{stamp}"
        await mail_notices.tell_status(event, rows.recipient(row), "declined", key=key)
    elif kind == MOVED and rows.shown_status(row) == "waitlisted":
        key = f"moved_to_waitlist:{row['id']}:{stamp}"
        await mail_notices.tell_status(event, rows.recipient(row), "waitlisted", key=key)
    elif kind == REMIND and rows.going(row):
        await mail_notices.set_reminders(event, rows.recipient(row))
    elif kind == NOW and row["status"] != "cancelled":
        key = f"status_now:{row['id']}:{stamp}"
        await mail_notices.tell_status(event, rows.recipient(row), rows.shown_status(row), key=key)
    elif kind == AGAIN:
        await mail_notices.already_signed_up(event, rows.recipient(row), day=f"{utcnow():%Y%m%d}")


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
        await _nap(woken, stop, poll_s)


async def _nap(woken: asyncio.Event, stop: asyncio.Event, poll_s: float) -> None:
    """Until woken, stopped or ``poll_s`` passed. The two waits live in a task group:
    whatever ends the nap (a cancellation included), neither outlives it."""
    async with asyncio.TaskGroup() as group:
        waits = [group.create_task(woken.wait()), group.create_task(stop.wait())]
        await asyncio.wait(waits, timeout=poll_s, return_when=asyncio.FIRST_COMPLETED)
        for wait in waits:
            wait.cancel()


def running() -> AbstractAsyncContextManager[None]:
    """The sender in the background of this process."""
    return in_background(run, "signup-notices")


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
