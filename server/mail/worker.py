"""The outbox worker: claim due rows with a lease, send them, record what happened.

Claiming marks a batch ``sending`` with ``lease_until = now + LEASE`` and counts the
attempt, in one statement: ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)``
on PostgreSQL, so several workers never take the same row; inside ``BEGIN IMMEDIATE`` on
SQLite, where one writer at a time does the same. A worker killed after claiming leaves
rows ``sending`` with a lease that runs out: the next claim after ``lease_until`` takes
them again. A result is only recorded by the lease's owner.

Failures: temporary ones (no connection, timeouts, 4xx) come back after an exponential
backoff with jitter, until ``MAX_ATTEMPTS``; permanent ones (5xx) fail at once and are
shown to the event's organizers. Every function takes ``now`` so tests drive the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from server import db
from server.crypto import Undecryptable
from server.mail import mime, retries, sealed
from server.mail.delivery import DeliveryError, Transport, envelope_sender, transport_for
from server.mail.service import MailConfig, finished
from server.mail.tables import Outbox
from server.settings import Settings
from server.tokens import utcnow

log = logging.getLogger(__name__)

BATCH = 50
LEASE = timedelta(minutes=5)  # far longer than a send can take (SMTP timeout 30 s)
MAX_ATTEMPTS = 12  # 1, 2, 4 ... 60, 60 minutes: about six hours of outage are survived
BASE_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(hours=1)
POLL_S = 2.0
RECORD_EVERY = 10
STOP_GRACE_S = 15  # seconds a background task gets to finish when the process stops
SMTP_LANES = 4  # SMTP connections one worker keeps open and sends on at the same time


def backoff(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Wait before try number ``attempts + 1``: doubling from a minute up to an hour."""
    return retries.backoff(attempts, rng, base=BASE_DELAY, most=MAX_DELAY)


def _claimable(now: datetime) -> Any:
    return ((Outbox.status == "queued") & (Outbox.next_attempt_at <= now)) | (
        (Outbox.status == "sending") & (Outbox.lease_until < now)
    )


async def due_exists(now: datetime) -> bool:
    """A cheap read first, so an idle worker does not take SQLite's write lock."""
    return bool(await Outbox.exists().where(_claimable(now)))


_PG_CLAIM = """
UPDATE mail_outbox
SET status = 'sending', lease_owner = {}, lease_until = {}, attempts = attempts + 1
WHERE id IN (
    SELECT id FROM mail_outbox
    WHERE (status = 'queued' AND next_attempt_at <= {})
       OR (status = 'sending' AND lease_until < {})
    ORDER BY next_attempt_at
    LIMIT {}
    FOR UPDATE SKIP LOCKED
)
RETURNING *
"""


async def claim(
    owner: str, *, now: datetime, limit: int = BATCH, lease: timedelta = LEASE
) -> list[dict[str, Any]]:
    """Take up to ``limit`` due rows for ``owner`` until ``now + lease``; the full rows."""
    until = now + lease
    if db.is_sqlite():
        async with db.write_transaction():
            found = (
                await Outbox.select(Outbox.id)
                .where(_claimable(now))
                .order_by(Outbox.next_attempt_at)
                .limit(limit)
            )
            ids = [r["id"] for r in found]
            if not ids:
                return []
            await Outbox.update(
                {
                    Outbox.status: "sending",
                    Outbox.lease_owner: owner,
                    Outbox.lease_until: until,
                    Outbox.attempts: Outbox.attempts + 1,
                }
            ).where(Outbox.id.is_in(ids))
            rows: list[dict[str, Any]] = await Outbox.select().where(Outbox.id.is_in(ids))
    else:
        # One statement: asyncpg decodes the returned columns as a select would.
        async with db.write_transaction():
            rows = list(await Outbox.raw(_PG_CLAIM, owner, until, now, now, limit))
        if not rows:
            return []
    rows.sort(key=lambda r: r["next_attempt_at"])
    return rows


def message_for(stored: dict[str, Any], config: MailConfig, date: datetime) -> EmailMessage:
    """The stored (sealed) row as MIME; Message-ID is the row's, so a resend is
    recognisable. Raises ``Undecryptable`` for a row sealed under another SECRET_KEY."""
    import json

    row = sealed.opened(stored)
    return mime.email_message(
        mail_from=config.mail_from,
        to=row["recipient"],
        to_name=row["recipient_name"],
        subject=row["subject"],
        text=row["text_body"],
        html=row["html_body"],
        message_id=f"<{row['id']}@{config.calendar_host}>",
        date=date,
        ics=row["ics"].encode() if row["ics"] else None,
        ics_method=row["ics_method"],
        headers=json.loads(row["headers"] or "{}"),
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    id: uuid.UUID
    error: DeliveryError | None = None


def new_owner() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker:
    """One sender. ``run_once(now)`` is a claim and a send; ``run(stop)`` loops.

    With several transports (SMTP connections) a batch is split between them and they
    send at the same time: while one waits for the server's reply, another builds and
    sends. That is what makes a remote relay (milliseconds per round trip, four round
    trips per message) fast, and it keeps a local one busy too.
    """

    def __init__(
        self,
        config: MailConfig,
        transport: Transport | Sequence[Transport],
        *,
        owner: str | None = None,
        batch: int = BATCH,
        lease: timedelta = LEASE,
        max_attempts: int = MAX_ATTEMPTS,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.transports = list(transport) if isinstance(transport, Sequence) else [transport]
        self.transport = self.transports[0]
        self.owner = owner or new_owner()
        self.batch = batch
        self.lease = lease
        self.max_attempts = max_attempts
        self.rng = rng or random.Random()
        self.sender = envelope_sender(config.mail_from)

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim due rows and try each once; the number of rows handled."""
        now = now or utcnow()
        rows = await claim(self.owner, now=now, limit=self.batch, lease=self.lease)
        if rows:
            await self.deliver(rows, now)
        return len(rows)

    async def drain(self, now: datetime | None = None) -> int:
        """``run_once`` until nothing is due at ``now`` (tests, benchmarks)."""
        total = 0
        while handled := await self.run_once(now):
            total += handled
        return total

    async def deliver(self, rows: list[dict[str, Any]], now: datetime) -> None:
        """Try each row once, the batch shared between the transports.

        The lanes run in a task group: if one fails unexpectedly (say the database went
        away while it recorded results), the others are cancelled with it and the
        round ends with the error, instead of them running on into the next round. What
        they had not recorded is still leased, and is taken again once the lease ends.
        """
        attempts = {r["id"]: r["attempts"] for r in rows}
        lanes = len(self.transports)
        async with asyncio.TaskGroup() as group:
            for n, transport in enumerate(self.transports):
                if share := rows[n::lanes]:
                    group.create_task(self._lane(transport, share, attempts, now))

    async def _lane(
        self,
        transport: Transport,
        rows: list[dict[str, Any]],
        attempts: dict[uuid.UUID, int],
        now: datetime,
    ) -> None:
        """Results are recorded every ``RECORD_EVERY`` messages, so a worker killed
        mid-batch resends at most that many (per lane) once its lease runs out."""
        outcomes: list[Outcome] = []
        down: DeliveryError | None = None
        for row in rows:
            if len(outcomes) >= RECORD_EVERY:
                await self.record(outcomes, attempts, now)
                outcomes = []
            if down is not None:  # no server: do not knock once per message
                outcomes.append(Outcome(row["id"], down))
                continue
            try:
                message = message_for(row, self.config, utcnow())
                await transport.send(message, sender=self.sender, recipient=row["recipient"])
            except DeliveryError as exc:
                outcomes.append(Outcome(row["id"], exc))
                if exc.connection:
                    down = exc
            except Undecryptable:  # SECRET_KEY changed: never send what cannot be checked
                error = DeliveryError("cannot decrypt (was SECRET_KEY changed?)", temporary=False)
                outcomes.append(Outcome(row["id"], error))
            except ValueError as exc:  # an address or header that cannot be sent
                outcomes.append(Outcome(row["id"], DeliveryError(str(exc), temporary=False)))
            else:
                outcomes.append(Outcome(row["id"]))
        await self.record(outcomes, attempts, now)

    async def close(self) -> None:
        for transport in self.transports:
            await transport.close()

    async def record(
        self, outcomes: list[Outcome], attempts: dict[uuid.UUID, int], now: datetime
    ) -> None:
        mine = (Outbox.lease_owner == self.owner) & (Outbox.status == "sending")
        sent = [o.id for o in outcomes if o.error is None]
        # One short write transaction per few results (``RECORD_EVERY``): on SQLite it
        # queues on the one writer connection; every write goes through it (db.py).
        async with db.write_transaction():
            if sent:  # done: wiped down to what the status page shows (mail.sealed)
                await Outbox.update(
                    {
                        **finished("sent"),
                        Outbox.sent_at: utcnow(),
                        Outbox.lease_until: None,  # lease_owner stays: who sent it
                        Outbox.last_error: "",
                    }
                ).where(Outbox.id.is_in(sent) & mine)
            for outcome in outcomes:
                if outcome.error is None:
                    continue
                error = outcome.error
                tries = attempts[outcome.id]
                final = not error.temporary or tries >= self.max_attempts
                values: dict[Any, Any] = {
                    **(finished("failed") if final else {Outbox.status: "queued"}),
                    Outbox.last_error: error.detail,
                    Outbox.lease_until: None,
                    Outbox.lease_owner: None,
                }
                if not final:
                    values[Outbox.next_attempt_at] = now + backoff(tries, self.rng)
                await Outbox.update(values).where((Outbox.id == outcome.id) & mine)
                if final:  # the reply code only: the server's text may name the recipient
                    code = error.detail.split(" ", 1)[0]
                    log.warning("mail %s failed after %d tries (%s)", outcome.id, tries, code)

    async def run(self, stop: asyncio.Event, *, poll_s: float = POLL_S) -> None:
        """Send until ``stop`` is set; the SMTP connection is closed whenever idle."""
        log.info("mail worker %s started", self.owner)
        try:
            while not stop.is_set():
                handled = 0
                try:
                    if await due_exists(utcnow()):
                        handled = await self.run_once()
                except Exception:  # a lost database must not end the worker for good
                    log.exception("mail worker round failed")
                if handled == 0:
                    await self.close()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=poll_s)
        finally:
            await self.close()
            log.info("mail worker %s stopped", self.owner)


def worker_for(settings: Settings, config: MailConfig) -> Worker:
    """SMTP: ``SMTP_LANES`` connections at once; files: one writer is plenty."""
    lanes = SMTP_LANES if settings.smtp_host else 1
    return Worker(config, [transport_for(settings) for _ in range(lanes)])


def running(settings: Settings, config: MailConfig) -> AbstractAsyncContextManager[None]:
    """A worker in the background of this process (``muster serve``'s lifespan)."""
    return in_background(worker_for(settings, config).run, "mail-worker")


@contextlib.asynccontextmanager
async def in_background(
    run: Callable[[asyncio.Event], Coroutine[Any, Any, None]], name: str
) -> AsyncIterator[None]:
    """``run(stop)`` as a task of this process while the block runs (the mail worker, the
    signup sender, the purge). At its end ``stop`` is set and the task gets a moment to
    finish what it is doing (a send in progress: its row is leased either way)."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(stop), name=name)
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(task, timeout=STOP_GRACE_S)
