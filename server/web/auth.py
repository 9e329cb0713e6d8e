"""Who is asking: the organizer behind the session cookie, or a bearer API token on the API.

Volunteers never log in, so "nobody" is a normal answer. Signed-in pages declare
``viewer: SignedIn`` (``accounts.pages.OrganizerController``); API controllers take ``VIEWER_DEPENDENCIES``, so
their handlers declare ``viewer: Viewer`` (an ``OrganizerView``, None for anonymous) or,
behind ``require_organizer``, ``organizer: SignedIn``.

Decision (invariant 4): an API token is a credential for ``/api/v1`` only. Anywhere
else (HTML pages, htmx fragments, CSV downloads) the ``Authorization`` header is
ignored and only the session counts, so a leaked token cannot mint tokens, enrol 2FA or
read attendee lists through the pages. Ignoring it (rather than answering 401) keeps
pages on their one rule: no session, the login page. Under ``/api/v1`` a bearer header
is the whole answer: an invalid or revoked token is a 401 and never falls back to the
cookies, which is what lets the CSRF middleware (web/security.py) skip its check there.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Scope

from server.accounts import api_tokens
from server.accounts import service as accounts
from server.accounts.service import OrganizerView
from server.i18n import N_

SESSION_KEY = "organizer_id"
# The organizer's session generation when the session began; "sign out everywhere" bumps
# the one in the database, so every older session stops working at once.
SESSION_GENERATION = "generation"
API_PREFIX = "/api/v1/"


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/")


def bearer_token(scope: Scope) -> str | None:
    """The bearer token of an API request; None off the API or without one."""
    if not is_api_path(scope.get("path", "")):
        return None
    for name, value in scope.get("headers", ()):
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].decode("latin-1").strip()
    return None


async def organizer_for_bearer(scope: Scope) -> OrganizerView | None:
    """The token's organizer, cached on the scope's state (the CSRF middleware asks first).

    Raises 401 for an invalid or revoked token; None when the request carries none.
    """
    token = bearer_token(scope)
    if token is None:
        return None
    state = scope.setdefault("state", {})
    cached = state.get("bearer_organizer")
    if cached is None:
        cached = await api_tokens.organizer_for(token)
        if cached is None:
            raise NotAuthorizedException(N_("Invalid or revoked API token"))
        state["bearer_organizer"] = cached
    organizer: OrganizerView = cached
    return organizer


def via_bearer(request: Request[Any, Any, Any]) -> bool:
    """True when an API request is authenticated by a token rather than the session."""
    return bearer_token(request.scope) is not None


async def current_organizer(request: Request[Any, Any, Any]) -> OrganizerView | None:
    """Resolved once per request and cached on the request's state."""
    cached = request.state.get("organizer", ...)
    if cached is not ...:
        return cached
    organizer: OrganizerView | None = None
    if bearer_token(request.scope) is not None:
        organizer = await organizer_for_bearer(request.scope)
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


async def provide_viewer(request: Request[Any, Any, Any]) -> OrganizerView | None:
    """Dependency ``viewer``: the signed-in organizer, or None for anonymous requests."""
    return await current_organizer(request)


async def provide_organizer(request: Request[Any, Any, Any]) -> OrganizerView:
    """Dependency ``organizer``, for routes behind ``require_organizer``: the guard has
    answered 401 already; this keeps a route that lost its guard from reading None."""
    organizer = await current_organizer(request)
    if organizer is None:
        raise NotAuthorizedException(N_("Sign in first"))
    return organizer


# Resolved only for the handlers that name them, so one dict serves every API controller.
# Neither name may be used by a path or query parameter of those controllers.
# What handlers declare: named dependencies (Litestar 3 drops inferring them by name).
Viewer: TypeAlias = NamedDependency[OrganizerView | None]
SignedIn: TypeAlias = NamedDependency[OrganizerView]
VIEWER_DEPENDENCIES = {
    "viewer": Provide(provide_viewer),
    "organizer": Provide(provide_organizer),
}


async def require_organizer(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Guard: a signed-in organizer (pages redirect to the login page, the API answers 401)."""
    organizer = await current_organizer(connection)  # type: ignore[arg-type]
    if organizer is None:
        raise NotAuthorizedException(N_("Sign in first"))


async def require_admin(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    organizer = await current_organizer(connection)  # type: ignore[arg-type]
    if organizer is None:
        raise NotAuthorizedException(N_("Sign in first"))
    if not organizer.is_admin:
        # An admin page is not something a non-admin should learn exists.
        from litestar.exceptions import NotFoundException

        raise NotFoundException()
