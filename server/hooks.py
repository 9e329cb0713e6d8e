"""In-transaction hooks: how a feature hears of another's change without importing it.

Features stand in order (accounts, events, calendar, mail, signups, ...), so an earlier
one may not import a later one. It offers a ``Hook`` instead; the composition root
(``server/app.py``) subscribes the later features' listeners once. Every listener runs
inside the write transaction of the change, so what it queues (a notice, a re-planned
reminder) commits or rolls back with the change itself.

Not Litestar's event emitter: its listeners run after the response, outside the
transaction, where "queued with the row or not at all" could not hold.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

E = TypeVar("E")


class Hook(Generic[E]):
    def __init__(self) -> None:
        self.listeners: list[Callable[[E], Awaitable[None]]] = []

    def subscribe(self, listener: Callable[[E], Awaitable[None]]) -> None:
        """Register ``listener`` once (subscribing the same function again does nothing)."""
        if listener not in self.listeners:
            self.listeners.append(listener)

    async def emit(self, event: E) -> None:
        """Tell every listener, in order; call inside the change's write transaction."""
        for listener in self.listeners:
            await listener(event)
