"""Server-side sessions that exist only for signed-in organizers.

Litestar's backend writes a session row and sends a cookie on every response, even for
an anonymous visitor who never stored anything: unbounded store growth, a Redis write per
request, and public pages that can never be shared by caches. This backend stores a
session only once it holds data, and expires the cookie when the data is cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Empty, Message, ScopeSession


class QuietSessionBackend(ServerSideSessionBackend):
    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        empty = scope_session is Empty or not scope_session
        if empty and self.config.key not in connection.cookies:
            return  # nothing to keep, nothing kept before: no row, no cookie
        await super().store_in_message(Empty if empty else scope_session, message, connection)


@dataclass
class QuietSessionConfig(ServerSideSessionConfig):
    _backend_class = QuietSessionBackend
