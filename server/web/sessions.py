"""Server-side sessions that exist only for signed-in organizers.

Litestar's backend writes a session row and sends a cookie on every response, even for
an anonymous visitor who never stored anything: unbounded store growth, a Redis write per
request, and public pages that can never be shared by caches. This backend stores a
session only once it holds data, and expires the cookie when the data is cleared.

It also makes no session id for a request without a session cookie: Litestar's
middleware asks for one on every request and would draw 32 random bytes for each
anonymous reader of an event page or its ``.ics``. The id is drawn only when a new
session is first stored (sign-in).
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
from litestar.utils.scope.state import ScopeState


class QuietSessionBackend(ServerSideSessionBackend):
    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        """The cookie's id, or one drawn earlier in this request; "" when there is none."""
        found = connection.cookies.get(self.config.key)
        if found and found != "null":
            return found
        return connection.get_session_id() or ""

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        empty = scope_session is Empty or not scope_session
        if empty and self.config.key not in connection.cookies:
            return  # nothing to keep, nothing kept before: no row, no cookie
        if not empty and not self.get_session_id(connection):
            # A session begins (sign-in): only now does it need an id.
            ScopeState.from_scope(connection.scope).session_id = self.generate_session_id()
        await super().store_in_message(Empty if empty else scope_session, message, connection)


@dataclass
class QuietSessionConfig(ServerSideSessionConfig):
    _backend_class = QuietSessionBackend
