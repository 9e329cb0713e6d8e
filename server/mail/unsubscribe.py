"""One-click unsubscribe (RFC 8058): links whose secret is stored only as a hash
(invariant 3), and the suppression list they feed.

Unsubscribing stops reminders and broadcasts (``compose.UNSUBSCRIBABLE``) to the
address now and later: pending ones are dropped (and wiped, like every finished row).
"""

from __future__ import annotations

from typing import Any

from server.mail import service
from server.mail.compose import UNSUBSCRIBABLE
from server.mail.tables import Outbox, Suppression, UnsubscribeToken
from server.tokens import hash_secret, new_secret, utcnow


async def unsubscribe_url(email: str) -> str:
    """A new one-click link for ``email``; only the token's hash is stored (invariant 3).

    One INSERT: call it inside the transaction that queues the message carrying it.
    """
    token = new_secret()
    async with service.atomic():
        await UnsubscribeToken(
            token_hash=hash_secret(token), email_hash=service.email_hash(email)
        ).save()
    return f"{service.config().base_url}/unsubscribe/{token}"


async def _token_row(token: str) -> dict[str, Any] | None:
    if not token or len(token) > 200:
        return None
    row: dict[str, Any] | None = (
        await UnsubscribeToken.select()
        .where(UnsubscribeToken.token_hash == hash_secret(token))
        .first()
    )
    return row


async def token_known(token: str) -> bool:
    return await _token_row(token) is not None


async def unsubscribe(token: str) -> bool:
    """Stop reminders and broadcasts to the token's address, now and later.

    Answers True for a known token (again and again: a mail provider may post twice),
    False for an unknown one. Pending messages of those kinds are dropped at once.
    """
    row = await _token_row(token)
    if row is None:
        return False
    async with service.atomic():
        await Suppression.insert(Suppression(email_hash=row["email_hash"])).on_conflict(
            target=Suppression.email_hash, action="DO NOTHING"
        )
        await UnsubscribeToken.update({UnsubscribeToken.used_at: utcnow()}).where(
            (UnsubscribeToken.id == row["id"]) & UnsubscribeToken.used_at.is_null()
        )
        await Outbox.update(service.finished("dropped", "unsubscribed")).where(
            (Outbox.recipient_hash == row["email_hash"])
            & Outbox.kind.is_in(sorted(UNSUBSCRIBABLE))
            & (Outbox.status == service.PENDING)
        )
    return True
