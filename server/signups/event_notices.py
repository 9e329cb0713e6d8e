"""Event-change and cancellation notices, composed after the change for whoever is still
signed up (``mail.event_notices`` marks them inside the event's transaction).

Each marker is handled in three steps, so neither SQLite's single writer lock nor an
event's lock is held while messages are rendered:
1. read the event and its open signups (no transaction);
2. render every message (CPU only);
3. queue them ``CHUNK`` at a time, each chunk in its own short write transaction that
   first re-checks the event's ``sequence`` (changed since: start again from the newer
   state next round) and who is still signed up with the same standing — someone who
   cancelled, or stopped going, between steps 1 and 3 gets nothing (a change notice can
   carry a newly moved hidden address: invariant 2).
Idempotency keys per sequence and recipient make a retried or half-done marker safe.
A marker that asks for it first re-plans the event's reminders (mail's own
``notices.reschedule``, in one write transaction under the event's lock).
A marker that fails (a template error, a lost connection) backs off and is given up
after ``mail.retries.MAX_ATTEMPTS``; the others do not wait behind it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from server.db import write_transaction
from server.errors import NotFound
from server.mail import event_notices, retries
from server.mail import notices as mail_notices
from server.mail.event_notices import CANCELLED, CHANGED, Marker
from server.signups import rows

log = logging.getLogger(__name__)

CHUNK = 200  # messages queued per write transaction


class Superseded(Exception):
    """The event changed again while its notice was being composed."""


def _current(marker: Marker, event: Mapping[str, Any]) -> bool:
    """Whether the event, as it is now, still calls for this notice."""
    if marker.kind == CANCELLED:
        return bool(event["status"] == "cancelled")
    return bool(marker.kind == CHANGED and event["status"] == "published")


async def send_due(now: datetime | None = None, limit: int = event_notices.BATCH) -> int:
    """Compose the notices that are due; how many markers were finished."""
    finished = 0
    for marker in await event_notices.due(now, limit):
        try:
            finished += await _send(marker)
        except Superseded:
            continue  # the newer state is composed next round; not a failure
        except Exception as exc:
            tries = await event_notices.failed(marker, exc, now)
            log.warning(
                "could not compose the %s notice of event %s (attempt %d): %s",
                marker.kind, marker.event_id, tries, retries.describe(exc),
            )  # fmt: skip
    return finished


async def _send(marker: Marker) -> bool:
    try:
        event = await rows.event(marker.event_id)
    except NotFound:  # deleted or purged meanwhile: nobody to tell
        await event_notices.forget_event(marker.event_id)
        return True
    if marker.reminders:  # mail's own re-planning: moved reminders get their new text
        async with write_transaction(lock=f"event:{event['id']}"):
            event = await rows.event(event["id"])
            if event["status"] == "published":
                await mail_notices.reschedule(event)
    if not _current(marker, event):
        return await event_notices.done(marker)
    drafts = await event_notices.render(marker, event, await rows.open_recipients(event["id"]))
    for start in range(0, len(drafts), CHUNK):
        chunk = drafts[start : start + CHUNK]
        async with write_transaction(lock=f"event:{event['id']}"):
            now = await rows.event(event["id"])
            if now["sequence"] != event["sequence"] or now["status"] != event["status"]:
                raise Superseded
            still = set(await rows.open_recipients(event["id"]))
            await event_notices.queue(marker, event, [(to, d) for to, d in chunk if to in still])
    return await event_notices.done(marker)


async def pending() -> int:
    """Markers still to compose (``notices.flush`` waits for none to be left)."""
    return await event_notices.pending_count()
