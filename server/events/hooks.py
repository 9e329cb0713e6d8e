"""Later features (mail, signups) react to an event's change inside the transaction
that makes it, through ``changed`` (see ``server/hooks.py``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from server.hooks import Hook


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


# Told inside the write transaction of every change to an event.
changed: Hook[EventChanged] = Hook()
