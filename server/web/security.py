"""Security headers on every response and CSRF on every state change (invariants 4 and 5)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import Message, Receive, Scope, Send
from litestar.utils.empty import value_or_default
from litestar.utils.scope.state import ScopeState

from server.settings import Settings
from server.web.auth import organizer_for_bearer

# No inline script or style, nothing from another origin; images may be data: URIs (SVG).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; worker-src 'self'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)
CSRF_FIELD = "_csrf_token"
CSRF_HEADER = "x-csrftoken"
# The volunteer's manage secret (server/signups/api.py); ASGI header names are lower case.
MANAGE_TOKEN_HEADER = b"x-manage-token"
# The volunteer manage API: the one route family whose credential is that header.
MANAGE_API_PATH = "/api/v1/signups/manage"


def security_headers(settings: Settings) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"content-security-policy", CSP.encode()),
        (b"referrer-policy", b"no-referrer"),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (
            b"permissions-policy",
            b"geolocation=(self), camera=(), microphone=(), interest-cohort=()",
        ),
    ]
    if settings.is_production:
        headers.append((b"strict-transport-security", b"max-age=63072000; includeSubDomains"))
    return headers


def security_headers_hook(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """A ``before_send`` hook: unlike middleware it also sees 404/405 for unmatched routes."""
    fixed = security_headers(settings)

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            # On the raw list: MutableScopeHeaders decodes and scans every header per
            # lookup, which cost a third of a small cached answer (a feed's 304).
            headers = list(message.get("headers") or ())
            present = {name.lower() for name, _ in headers}
            headers.extend(header for header in fixed if header[0] not in present)
            message["headers"] = headers

    return add_headers


def csrf_config(settings: Settings) -> CSRFConfig:
    return CSRFConfig(
        secret=settings.secret_key,
        cookie_name="__Host-csrftoken" if settings.https else "csrftoken",
        cookie_secure=settings.https,
        cookie_httponly=True,  # pages carry the token in a meta tag / hidden field
        cookie_samesite="strict",
        header_name=CSRF_HEADER,
    )


class CredentialHeaderCSRFMiddleware(CSRFMiddleware):
    """Litestar's double-submit CSRF check, skipped only for a credential header that is
    valid for the route it is sent to (invariant 4).

    The two headers, and the only routes where they stand in for the CSRF token:

    - ``Authorization: Bearer …`` under ``/api/v1``: the token is looked up here, before
      the check is skipped; an invalid or revoked one is a 401 at once (web/auth.py never
      falls back to the cookies on the API), so a bogus header cannot switch CSRF off for
      a cookie-authenticated API write. Off the API the header is ignored by web/auth.py,
      so it skips nothing there either: pages are checked like any browser request.
    - ``X-Manage-Token: …`` on ``/api/v1/signups/manage[/…]`` only: the volunteer manage API,
      whose routes take the token as a required header and answer 404 for a wrong one,
      with no cookie credential to fall back on. Anywhere else it is just a header.

    Why a valid credential header is enough: a cross-site page cannot make a browser send
    either header (a cross-origin ``fetch`` that sets one needs a CORS preflight, which
    this app never grants), and the secret itself is the proof of authority. The one
    state-changing route exempt by ``exclude_from_csrf`` is RFC 8058's one-click
    unsubscribe POST (``server/mail/pages.py``); tests/privacy/test_csrf_crawl.py keeps it
    the only one. (Public GETs use the opt too, only so they set no cookie.)
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and await _credential_header_holds(scope):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


async def _credential_header_holds(scope: Scope) -> bool:
    path = scope.get("path", "")
    if path == MANAGE_API_PATH or path.startswith(MANAGE_API_PATH + "/"):
        return any(name == MANAGE_TOKEN_HEADER and value for name, value in scope["headers"])
    # Raises 401 for a bearer token that does not hold; None when there is none.
    return await organizer_for_bearer(scope) is not None


class CsrfTokenOut(msgspec.Struct):
    header: str
    token: str


@get(
    "/api/v1/csrf",
    tags=["csrf"],
    summary="A CSRF token for API writes without an API token",
    description=(
        "For clients that write with cookies instead of a credential header, such as the "
        "anonymous RSVP (`POST /api/v1/events/{event_id}/signups`): keep the cookie this "
        "answer sets (`csrftoken`; `__Host-csrftoken` over HTTPS) and send `token` in the "
        "header named by `header` with each write. The token stays valid as long as the "
        "cookie. Requests with a valid `Authorization: Bearer` API token, and the volunteer "
        "manage API with its `X-Manage-Token`, need no token."
    ),
    security=[],
)
async def api_csrf_token(request: Request[Any, Any, Any]) -> Response[CsrfTokenOut]:
    """The token a page puts in its forms and ``hx-headers``, for API clients."""
    # The middleware put the cookie's token (or the new one it is setting) in the scope;
    # it is skipped, and leaves none, for requests with a credential header.
    token = value_or_default(ScopeState.from_scope(request.scope).csrf_token, "")
    return Response(
        CsrfTokenOut(header=CSRF_HEADER, token=token),
        headers={"Cache-Control": "no-store"},
    )
