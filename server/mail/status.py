"""What organizers see of an event's mail (the mail-status page): counts by state, and
the messages that could not be delivered. Members only: the caller checks the viewer's
role, as these rows hold attendees' addresses. Only columns kept in clear are read
(``sealed``): what a sent or failed message is wiped down to is exactly this.
"""

from __future__ import annotations

import uuid
from typing import Any

from server.mail.tables import Outbox


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
