"""The outbox: queue messages, move or drop pending ones, show failures, unsubscribe.

Transactions: ``queue()`` is one INSERT ... ON CONFLICT DO NOTHING, so it never opens a
transaction of its own. Call it INSIDE the write transaction of the change that causes
the message (the RSVP, the cancellation): the row then commits or rolls back with it.
Functions that write several rows use ``atomic()``: it joins the caller's transaction
when one is open (``engine.current_transaction``) and opens ``write_transaction()``
otherwise — never a nested BEGIN, which SQLite refuses.

Idempotency: every row has a unique key chosen by the caller (for example
``"rsvp_confirmation:<signup id>"``, ``"event_changed:<event id>:<sequence>:<email>"``);
queueing the same key again does nothing and answers False, so a retried request or a
listener that runs twice never sends twice.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from server import db
from server.mail.compose import UNSUBSCRIBABLE, Draft, Recipient
from server.mail.mime import unsubscribe_headers
from server.mail.tables import Outbox, Suppression, UnsubscribeToken
from server.settings import Settings
from server.tokens import hash_secret, new_secret, utcnow

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
    """Called by ``create_app`` and ``muster worker`` with the running settings."""
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
    row = Outbox(
        idempotency_key=idempotency_key,
        recipient=to.strip(),
        recipient_name=to_name[:200],
        recipient_hash=email_hash(to),
        locale=locale,
        kind=kind,
        subject=subject,
        text_body=text,
        html_body=html,
        ics=ics.decode() if ics else None,
        ics_method=ics_method if ics else None,
        headers=json.dumps(unsubscribe_headers(unsubscribe_url)),
        context=json.dumps(context) if context is not None else None,
        event_id=event_id,
        status=PENDING,
        due_at=due,
        next_attempt_at=due,
    )
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


async def pending(event_id: uuid.UUID, kinds: Iterable[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await Outbox.select().where(
        (Outbox.event_id == event_id) & Outbox.kind.is_in(list(kinds)) & (Outbox.status == PENDING)
    )
    return rows


async def of_event(
    event_id: uuid.UUID, kinds: Iterable[str], statuses: Iterable[str]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await Outbox.select().where(
        (Outbox.event_id == event_id)
        & Outbox.kind.is_in(list(kinds))
        & Outbox.status.is_in(list(statuses))
    )
    return rows


async def rewrite_pending(row_id: uuid.UUID, draft: Draft, due_at: datetime) -> bool:
    """New text and due time for a message still waiting (never one being sent)."""
    updated = (
        await Outbox.update(
            {
                Outbox.subject: draft.subject,
                Outbox.text_body: draft.text,
                Outbox.html_body: draft.html,
                Outbox.ics: draft.ics.decode() if draft.ics else None,
                Outbox.ics_method: draft.ics_method if draft.ics else None,
                Outbox.due_at: due_at,
                Outbox.next_attempt_at: due_at,
            }
        )
        .where((Outbox.id == row_id) & (Outbox.status == PENDING))
        .returning(Outbox.id)
    )
    return bool(updated)


async def reschedule(
    event_id: uuid.UUID, kind_prefix: str, shift: timedelta, *, now: datetime | None = None
) -> int:
    """Move every pending message of the event whose kind starts with ``kind_prefix``
    by ``shift`` (never earlier than ``now``). Text is left as it is: reminders, which
    show the time, are re-rendered by ``notices.reschedule`` instead."""
    now = now or utcnow()
    moved = 0
    async with atomic():
        rows = await Outbox.select(Outbox.id, Outbox.kind, Outbox.due_at).where(
            (Outbox.event_id == event_id) & (Outbox.status == PENDING)
        )
        for row in rows:
            if not row["kind"].startswith(kind_prefix):
                continue
            due = max(row["due_at"] + shift, now)
            await Outbox.update({Outbox.due_at: due, Outbox.next_attempt_at: due}).where(
                (Outbox.id == row["id"]) & (Outbox.status == PENDING)
            )
            moved += 1
    return moved


async def drop_pending(
    event_id: uuid.UUID,
    kinds: Iterable[str],
    *,
    recipient: str | None = None,
    reason: str = "no longer wanted",
) -> int:
    """Stop pending messages of an event (cancelled event, cancelled signup)."""
    condition = (
        (Outbox.event_id == event_id) & Outbox.kind.is_in(list(kinds)) & (Outbox.status == PENDING)
    )
    if recipient is not None:
        condition &= Outbox.recipient_hash == email_hash(recipient)
    dropped = (
        await Outbox.update({Outbox.status: "dropped", Outbox.last_error: reason})
        .where(condition)
        .returning(Outbox.id)
    )
    return len(dropped)


async def retire_sent(event_id: uuid.UUID, kinds: Iterable[str], recipient: str) -> int:
    """Keep a recipient's sent (or being sent) messages as history only: without their
    context a later change of the event does not plan them again (``notices.reschedule``)."""
    retired = (
        await Outbox.update({Outbox.context: None})
        .where(
            (Outbox.event_id == event_id)
            & Outbox.kind.is_in(list(kinds))
            & Outbox.status.is_in(["sending", "sent"])
            & (Outbox.recipient_hash == email_hash(recipient))
        )
        .returning(Outbox.id)
    )
    return len(retired)


async def drop_message(row_id: uuid.UUID, reason: str) -> bool:
    dropped = (
        await Outbox.update({Outbox.status: "dropped", Outbox.last_error: reason})
        .where((Outbox.id == row_id) & (Outbox.status == PENDING))
        .returning(Outbox.id)
    )
    return bool(dropped)


async def delete_pending(event_id: uuid.UUID, kinds: Iterable[str], recipient: str) -> int:
    """Forget a recipient's queued or dropped messages of these kinds (to re-plan them)."""
    deleted = (
        await Outbox.delete()
        .where(
            (Outbox.event_id == event_id)
            & Outbox.kind.is_in(list(kinds))
            & Outbox.status.is_in([PENDING, "dropped"])
            & (Outbox.recipient_hash == email_hash(recipient))
        )
        .returning(Outbox.id)
    )
    return len(deleted)


# --- what organizers see ----------------------------------------------------------------


async def failed_messages(event_id: uuid.UUID) -> list[dict[str, Any]]:
    """Messages of the event that could not be delivered, newest first (members only:
    the caller checks the viewer's role — these rows hold attendees' addresses)."""
    rows: list[dict[str, Any]] = (
        await Outbox.select(
            Outbox.id,
            Outbox.recipient,
            Outbox.kind,
            Outbox.attempts,
            Outbox.last_error,
            Outbox.created_at,
        )
        .where((Outbox.event_id == event_id) & (Outbox.status == "failed"))
        .order_by(Outbox.created_at, ascending=False)
        .limit(200)
    )
    return rows


async def status_counts(event_id: uuid.UUID) -> dict[str, int]:
    rows = await Outbox.select(Outbox.status).where(Outbox.event_id == event_id)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return counts


# --- unsubscribe (RFC 8058) -------------------------------------------------------------


async def unsubscribe_url(email: str) -> str:
    """A new one-click link for ``email``; only the token's hash is stored (invariant 3).

    One INSERT: call it inside the transaction that queues the message carrying it.
    """
    token = new_secret()
    await UnsubscribeToken(token_hash=hash_secret(token), email_hash=email_hash(email)).save()
    return f"{_config.base_url}/unsubscribe/{token}"


async def _token_row(token: str) -> dict[str, Any] | None:
    if not token or len(token) > 200:
        return None
    row: dict[str, Any] | None = (
        await UnsubscribeToken.select()
        .where(UnsubscribeToken.token_hash == hash_secret(token))
        .first()
    )
    return row


async def unsubscribe_token_known(token: str) -> bool:
    return await _token_row(token) is not None


async def unsubscribe(token: str) -> bool:
    """Stop reminders and broadcasts to the token's address, now and later.

    Answers True for a known token (again and again: a mail provider may post twice),
    False for an unknown one. Pending messages of those kinds are dropped at once.
    """
    row = await _token_row(token)
    if row is None:
        return False
    async with atomic():
        await Suppression.insert(Suppression(email_hash=row["email_hash"])).on_conflict(
            target=Suppression.email_hash, action="DO NOTHING"
        )
        await UnsubscribeToken.update({UnsubscribeToken.used_at: utcnow()}).where(
            (UnsubscribeToken.id == row["id"]) & UnsubscribeToken.used_at.is_null()
        )
        await Outbox.update({Outbox.status: "dropped", Outbox.last_error: "unsubscribed"}).where(
            (Outbox.recipient_hash == row["email_hash"])
            & Outbox.kind.is_in(sorted(UNSUBSCRIBABLE))
            & (Outbox.status == PENDING)
        )
    return True


# --- keeping personal data no longer than needed (invariant 6) ---------------------------


async def purge_event(event_id: uuid.UUID) -> int:
    """Every message of an event, whatever its state (the event's data is being purged)."""
    deleted = await Outbox.delete().where(Outbox.event_id == event_id).returning(Outbox.id)
    return len(deleted)


async def purge_finished(before: datetime) -> int:
    """Sent, failed and dropped messages created before ``before``."""
    deleted = (
        await Outbox.delete()
        .where(Outbox.status.is_in(["sent", "failed", "dropped"]) & (Outbox.created_at < before))
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
    deleted = (
        await Outbox.delete().where(Outbox.recipient_hash == email_hash(email)).returning(Outbox.id)
    )
    return len(deleted)


async def event_ids() -> list[uuid.UUID]:
    """The events that still have messages in the outbox (the purge checks which ended)."""
    rows = await Outbox.select(Outbox.event_id).where(Outbox.event_id.is_not_null()).distinct()
    return [row["event_id"] for row in rows]
