"""The outbox: queue messages, move, drop or forget pending ones.

Transactions: call ``queue()`` INSIDE the write transaction of the change that causes
the message (the RSVP, the cancellation): the row then commits or rolls back with it.
Every write here goes through ``atomic()``: it joins the caller's transaction when one
is open (``engine.current_transaction``) and opens ``write_transaction()`` otherwise —
never a nested BEGIN, which SQLite refuses, and never a write outside one.

Idempotency: every row has a unique key chosen by the caller (for example
``"rsvp_confirmation:<signup id>"``, ``"event_changed:<event id>:<sequence>:<email>"``);
queueing the same key again does nothing and answers False, so a retried request or a
listener that runs twice never sends twice.

At rest: bodies, subjects, headers and contexts are sealed when written and opened when
read here (``sealed`` says which columns and why); a row that is sent, failed or dropped
is wiped down to what the mail-status page needs (``finished``).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from server import db
from server.mail import sealed
from server.mail.compose import UNSUBSCRIBABLE, Draft, Recipient
from server.mail.mime import unsubscribe_headers
from server.mail.tables import ComposeRetry, EventNotice, Outbox, Suppression
from server.settings import Settings
from server.tokens import hash_secret, utcnow

MAX_KEY = 255
PENDING = "queued"


@dataclass(frozen=True, slots=True)
class MailConfig:
    """What messages need to know about the site; set once by ``configure``."""

    base_url: str
    mail_from: str
    calendar_host: str
    from_address: str


def _config_for(settings: Settings) -> MailConfig:
    from email.headerregistry import Address
    from email.policy import default

    parsed = default.header_factory("from", settings.mail_from)
    addresses: tuple[Address, ...] = parsed.addresses
    address = addresses[0].addr_spec if addresses else "noreply@localhost"
    host = urlsplit(settings.base_url).hostname or "localhost"
    return MailConfig(settings.base_url, settings.mail_from, host, address)


_config = _config_for(Settings())


def configure(settings: Settings) -> None:
    """Called by ``create_app`` and ``muster worker`` with the running settings: the
    site's addresses for messages."""
    global _config
    _config = _config_for(settings)


def config() -> MailConfig:
    return _config


def email_hash(email: str) -> str:
    return hash_secret(email.strip().lower())


@contextlib.asynccontextmanager
async def atomic() -> AsyncIterator[None]:
    """Join the caller's transaction, or open a write transaction when there is none."""
    if db.engine().current_transaction.get() is not None:
        yield
        return
    async with db.write_transaction():
        yield


# --- queueing ---------------------------------------------------------------------------


async def is_suppressed(email: str) -> bool:
    return bool(await Suppression.exists().where(Suppression.email_hash == email_hash(email)))


async def queue(
    *,
    to: str,
    kind: str,
    subject: str,
    text: str,
    html: str | None,
    idempotency_key: str,
    due_at: datetime | None = None,
    event_id: uuid.UUID | None = None,
    ics: bytes | None = None,
    ics_method: str | None = None,
    unsubscribe_url: str | None = None,
    locale: str = "en",
    to_name: str = "",
    context: Mapping[str, Any] | None = None,
) -> bool:
    """Add one message to the outbox; False when the key is already there (or the
    recipient unsubscribed from this kind). Safe inside the caller's transaction."""
    if not idempotency_key or len(idempotency_key) > MAX_KEY:
        raise ValueError("an idempotency key of 1 to 255 characters is needed")
    if kind in UNSUBSCRIBABLE and await is_suppressed(to):
        return False
    if to.strip().lower().endswith(".invalid"):
        # RFC 2606: never deliverable. Deleted volunteers' stand-ins live there.
        return False
    due = due_at or utcnow()
    row_id = uuid.uuid4()  # chosen here: the sealed values are bound to it
    secret: dict[str, Any] = sealed.seal_all(
        row_id,
        {
            "recipient_name": to_name[:200],
            "subject": subject,
            "text_body": text,
            "html_body": html,
            "ics": ics.decode() if ics else None,
            "headers": json.dumps(unsubscribe_headers(unsubscribe_url)),
            "context": json.dumps(context) if context is not None else None,
        },
    )
    row = Outbox(
        id=row_id,
        idempotency_key=idempotency_key,
        recipient=to.strip(),
        recipient_hash=email_hash(to),
        locale=locale,
        kind=kind,
        ics_method=ics_method if ics else None,
        **secret,
        event_id=event_id,
        status=PENDING,
        due_at=due,
        next_attempt_at=due,
    )
    async with atomic():  # one statement; in the caller's transaction if any
        inserted = (
            await Outbox.insert(row)
            .on_conflict(target=Outbox.idempotency_key, action="DO NOTHING")
            .returning(Outbox.id)
        )
    return bool(inserted)


async def queue_draft(
    draft: Draft,
    to: Recipient,
    *,
    idempotency_key: str,
    due_at: datetime | None = None,
    event_id: uuid.UUID | None = None,
    context: Mapping[str, Any] | None = None,
) -> bool:
    """``queue()`` for a ``compose`` builder's draft."""
    return await queue(
        to=to.email,
        to_name=to.name,
        kind=draft.kind,
        subject=draft.subject,
        text=draft.text,
        html=draft.html,
        ics=draft.ics,
        ics_method=draft.ics_method,
        unsubscribe_url=draft.unsubscribe_url,
        idempotency_key=idempotency_key,
        due_at=due_at,
        event_id=event_id,
        locale=to.locale,
        context=context,
    )


# --- pending messages of an event -------------------------------------------------------


def finished(status: str, reason: str = "") -> dict[Any, Any]:
    """The values that end a row: its state, and its sealed columns wiped (``sealed``)."""
    values: dict[Any, Any] = {
        Outbox._meta.get_column_by_name(c): v for c, v in sealed.WIPED.items()
    }
    values[Outbox.status] = status
    if status != "sent":
        values[Outbox.context] = None  # only a sent reminder is ever planned again
    if reason:
        values[Outbox.last_error] = reason
    return values


def _readable(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows opened; one sealed under another SECRET_KEY is left out (nothing to plan)."""
    return [plain for row in rows if (plain := sealed.readable(row)) is not None]


def _rows_of(
    event_id: uuid.UUID, kinds: Iterable[str], statuses: Iterable[str], recipient: str | None = None
) -> Any:
    """The condition for an event's rows of these kinds and states (and recipient)."""
    condition = (
        (Outbox.event_id == event_id)
        & Outbox.kind.is_in(list(kinds))
        & Outbox.status.is_in(list(statuses))
    )
    if recipient is not None:
        condition &= Outbox.recipient_hash == email_hash(recipient)
    return condition


async def _count(query: Any) -> int:
    """Run one UPDATE/DELETE; how many rows it changed. In the caller's transaction if any."""
    async with atomic():
        return len(await query.returning(Outbox.id))


async def pending(event_id: uuid.UUID, kinds: Iterable[str]) -> list[dict[str, Any]]:
    return await of_event(event_id, kinds, [PENDING])


async def of_event(
    event_id: uuid.UUID, kinds: Iterable[str], statuses: Iterable[str]
) -> list[dict[str, Any]]:
    """The event's rows of these kinds and states, opened."""
    rows: list[dict[str, Any]] = await Outbox.select().where(_rows_of(event_id, kinds, statuses))
    return _readable(rows)


async def rewrite_pending(row_id: uuid.UUID, draft: Draft, due_at: datetime) -> bool:
    """New text and due time for a message still waiting (never one being sent)."""
    secret = sealed.seal_all(
        row_id,
        {
            "subject": draft.subject,
            "text_body": draft.text,
            "html_body": draft.html,
            "ics": draft.ics.decode() if draft.ics else None,
        },
    )
    async with atomic():  # one statement; in the caller's transaction if any
        updated = (
            await Outbox.update(
                {
                    **{Outbox._meta.get_column_by_name(c): v for c, v in secret.items()},
                    Outbox.ics_method: draft.ics_method if draft.ics else None,
                    Outbox.due_at: due_at,
                    Outbox.next_attempt_at: due_at,
                }
            )
            .where((Outbox.id == row_id) & (Outbox.status == PENDING))
            .returning(Outbox.id)
        )
    return bool(updated)


# Far in the future: a held message waits for ``rewrite_pending`` (which sets its time
# again) or a drop, and is never sent as it was.
HELD = datetime(9999, 1, 1, tzinfo=UTC)


async def hold_pending(event_id: uuid.UUID, kinds: Iterable[str]) -> int:
    """Hold back the event's pending messages of these kinds until they are re-planned."""
    held = Outbox.update({Outbox.next_attempt_at: HELD}).where(_rows_of(event_id, kinds, [PENDING]))
    return await _count(held)


async def drop_pending(
    event_id: uuid.UUID,
    kinds: Iterable[str],
    *,
    recipient: str | None = None,
    reason: str = "no longer wanted",
) -> int:
    """Stop pending messages of an event (cancelled event, cancelled signup)."""
    condition = _rows_of(event_id, kinds, [PENDING], recipient)
    return await _count(Outbox.update(finished("dropped", reason)).where(condition))


async def retire_sent(event_id: uuid.UUID, kinds: Iterable[str], recipient: str) -> int:
    """Keep a recipient's sent (or being sent) messages as history only: without their
    context a later change of the event does not plan them again (``notices.reschedule``)."""
    condition = _rows_of(event_id, kinds, ["sending", "sent"], recipient)
    return await _count(Outbox.update({Outbox.context: None}).where(condition))


async def drop_message(row_id: uuid.UUID, reason: str) -> bool:
    condition = (Outbox.id == row_id) & (Outbox.status == PENDING)
    return bool(await _count(Outbox.update(finished("dropped", reason)).where(condition)))


async def delete_pending(event_id: uuid.UUID, kinds: Iterable[str], recipient: str) -> int:
    """Forget a recipient's queued or dropped messages of these kinds (to re-plan them)."""
    condition = _rows_of(event_id, kinds, [PENDING, "dropped"], recipient)
    return await _count(Outbox.delete().where(condition))


# --- keeping personal data no longer than needed (invariant 6) ---------------------------


async def purge_event(event_id: uuid.UUID) -> int:
    """Every message of an event, whatever its state, and any notice still owed for it
    (the event's data is being purged)."""
    async with atomic():
        await EventNotice.delete().where(EventNotice.event_id == event_id)
        deleted = await Outbox.delete().where(Outbox.event_id == event_id).returning(Outbox.id)
    return len(deleted)


async def purge_finished(before: datetime) -> int:
    """Sent, failed and dropped messages created before ``before`` (and the records of
    compose failures last touched before then: ids and error types only, but no use)."""
    async with atomic():
        await ComposeRetry.delete().where(ComposeRetry.updated_at < before)
        deleted = (
            await Outbox.delete()
            .where(
                Outbox.status.is_in(["sent", "failed", "dropped"]) & (Outbox.created_at < before)
            )
            .returning(Outbox.id)
        )
    return len(deleted)


async def of_address(email: str) -> list[dict[str, Any]]:
    """What the outbox holds for ``email`` (a volunteer's data export): kinds and states."""
    rows: list[dict[str, Any]] = (
        await Outbox.select(
            Outbox.recipient, Outbox.kind, Outbox.status, Outbox.event_id, Outbox.created_at
        )
        .where(Outbox.recipient_hash == email_hash(email))
        .order_by(Outbox.created_at)
    )
    return rows


async def forget_address(email: str) -> int:
    """Every message to ``email``, whatever its state (the volunteer deleted their data).

    The suppression list and unsubscribe tokens stay: they hold only hashes, and an
    address that unsubscribed must stay unsubscribed if it signs up again.
    """
    return await _count(Outbox.delete().where(Outbox.recipient_hash == email_hash(email)))


async def event_ids() -> list[uuid.UUID]:
    """The events that still have messages in the outbox (the purge checks which ended)."""
    rows = await Outbox.select(Outbox.event_id).where(Outbox.event_id.is_not_null()).distinct()
    return [row["event_id"] for row in rows]
