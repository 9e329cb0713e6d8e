"""A version number for "some public event changed", shared by every instance.

Writers call ``bump()`` inside the transaction that changes an event, so the new version
becomes visible exactly when the change does. Readers cache public answers keyed by the
version, and re-read it at most every ``POLL_S`` seconds, so a change made on another
instance is seen within that time and one made here is seen at once.
"""

from __future__ import annotations

import time

from server.events.tables import ChangeCounter

NAME = "events"
POLL_S = 1.0

_cached: tuple[float, int] | None = None


async def bump() -> int:
    """Increment the version; call inside the write transaction of the change."""
    global _cached
    updated = (
        await ChangeCounter.update({ChangeCounter.version: ChangeCounter.version + 1})
        .where(ChangeCounter.name == NAME)
        .returning(ChangeCounter.version)
    )
    if updated:
        version = int(updated[0]["version"])
    else:
        await ChangeCounter(name=NAME, version=1).save()
        version = 1
    _cached = None  # this instance sees its own change at once
    return version


async def current() -> int:
    """The version, from a local copy at most ``POLL_S`` old."""
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < POLL_S:
        return _cached[1]
    row = (
        await ChangeCounter.select(ChangeCounter.version).where(ChangeCounter.name == NAME).first()
    )
    version = int(row["version"]) if row else 0
    _cached = (now, version)
    return version


def forget() -> None:
    """Drop the local copy (tests empty the tables between cases)."""
    global _cached
    _cached = None
