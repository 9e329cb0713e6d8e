"""Who is asking: the organizer behind the session cookie or a bearer API token.

Volunteers never log in, so "nobody" is a normal answer. Pages and API routes declare
``viewer: Viewer`` (None for anonymous) or use ``require_organizer`` in a guard.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from server.accounts import api_tokens
from server.accounts import service as accounts
from server.accounts.service import OrganizerView

SESSION_KEY = "organizer_id"
# The organizer's session generation when the session began; "sign out everywhere" bumps
# the one in the database, so every older session stops working at once.
SESSION_GENERATION = "generation"


async def current_organizer(request: Request[Any, Any, Any]) -> OrganizerView | None:
    """Resolved once per request and cached on the request's state."""
    cached = request.state.get("organizer", ...)
    if cached is not ...:
        return cached
    organizer: OrganizerView | None = None
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        organizer = await api_tokens.organizer_for(authorization[7:].strip())
        if organizer is None:
            raise NotAuthorizedException("Invalid or revoked API token")
    else:
        session = request.scope.get("session")
        organizer_id = session.get(SESSION_KEY) if isinstance(session, dict) else None
        if organizer_id:
            generation = session.get(SESSION_GENERATION, 0)  # type: ignore[union-attr]
            organizer = await accounts.organizer_for_session(
                organizer_id, generation if isinstance(generation, int) else -1
            )
    request.state.organizer = organizer
    return organizer


async def require_organizer(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a signed-in organizer (pages redirect to the login page, the API answers 401)."""
    organizer = await current_organizer(connection)  # type: ignore[arg-type]
    if organizer is None:
        raise NotAuthorizedException("Sign in first")


async def require_admin(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    organizer = await current_organizer(connection)  # type: ignore[arg-type]
    if organizer is None:
        raise NotAuthorizedException("Sign in first")
    if not organizer.is_admin:
        # An admin page is not something a non-admin should learn exists.
        from litestar.exceptions import NotFoundException

        raise NotFoundException()
