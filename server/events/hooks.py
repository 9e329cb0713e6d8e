"""Later features react to an event's change inside the transaction that makes it.

Features stand in order (accounts, events, calendar, mail, signups, ...), so events may
not import signups or mail. Instead they subscribe here — wired once, in the composition
root (``server/app.py``) — and every listener runs inside the same write transaction as
the change: a notice queued by a listener commits or rolls back with the change itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class EventChanged:
    event_id: uuid.UUID
    before: dict[str, Any]  # the event row before the change
    after: dict[str, Any]  # ... and after it

    @property
    def calendar_visible(self) -> bool:
        """True when a calendar must see it (the event's ``sequence`` grew)."""
        return bool(self.after["sequence"] != self.before["sequence"])

    @property
    def cancelled(self) -> bool:
        return self.after["status"] == "cancelled" and self.before["status"] != "cancelled"


Listener = Callable[[EventChanged], Awaitable[None]]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Register ``listener`` once (calling again with the same function does nothing)."""
    if listener not in _listeners:
        _listeners.append(listener)


async def notify(change: EventChanged) -> None:
    for listener in _listeners:
        await listener(change)
