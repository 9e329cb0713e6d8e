"""Sudo mode: security changes need a session that proved itself in the last minutes.

Decisions (invariant 4):

- Which changes: API tokens (creating them), two-factor sign-in (setting it up, new
  recovery codes, turning it off), an organization's 2FA requirement, and member roles
  (inviting, removing). Revoking a token and "sign out everywhere" only take power away,
  so they stay one click: someone locked out of everything else must still reach them.
- What counts as proof: the password, or a current two-factor code (or recovery code),
  typed on ``/organizer/confirm``; signing in (password, then the code when 2FA is on)
  counts as well, so a fresh sign-in needs no second prompt. The time is kept in the
  server-side session (``REAUTH_AT``): a stolen cookie older than ``FRESH_S`` cannot make
  security changes, and an API token never can (web/auth.py: tokens are not sessions).
- A page's POST that is not fresh answers 303 to the confirm page, which then returns to
  the page the form was on (``next``); the form is posted again from there. The API
  answers 403 problem+json naming the confirm page.
- Wrong passwords and codes here count against the account's back-off
  (``code_attempts``), like codes at sign-in.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post

from server.accounts import code_attempts, service, twofactor
from server.accounts.pages import (
    DEFAULT_AFTER_LOGIN,
    REAUTH_AT,
    OrganizerController,
    SignInRequired,
    form_fields,
    safe_next,
    see_other,
)
from server.accounts.service import OrganizerView
from server.errors import PermissionDenied
from server.i18n import N_, Text
from server.web.auth import SignedIn, via_bearer
from server.web.templates import render_page

FRESH_S = 600  # ten minutes
CONFIRM_PATH = "/organizer/confirm"


class ReauthRequired(SignInRequired):
    """A 303 to the confirm page (handled like ``SignInRequired``: same ``to_login``)."""

    def __init__(self, next_path: str | None) -> None:
        target = safe_next(next_path)
        location = f"{CONFIRM_PATH}?next={quote(target, safe='')}" if target else CONFIRM_PATH
        super().__init__(None)
        self.location = location
        self.headers = {"Location": location}


class SudoRequired(PermissionDenied):
    """The API's answer: 403 problem+json."""

    title = N_("Confirm your password first")


def is_fresh(request: Request[Any, Any, Any]) -> bool:
    session = request.scope.get("session")
    at = session.get(REAUTH_AT) if isinstance(session, dict) else None
    return isinstance(at, int | float) and 0 <= time.time() - at <= FRESH_S


def mark_fresh(request: Request[Any, Any, Any]) -> None:
    """Record a proof of identity just now (stored with the session)."""
    session = request.scope.get("session")
    data = dict(session) if isinstance(session, dict) else {}
    data[REAUTH_AT] = int(time.time())
    request.set_session(data)


def require_fresh(request: Request[Any, Any, Any], back_to: str) -> None:
    """Pages: raise ``ReauthRequired`` (303 to the confirm page, then to ``back_to``)."""
    if not is_fresh(request):
        raise ReauthRequired(back_to)


def require_fresh_api(request: Request[Any, Any, Any]) -> None:
    """API: a session that confirmed lately, never a bearer token."""
    if via_bearer(request):
        raise SudoRequired(N_("Security changes need a signed-in browser, not an API token."))
    if not is_fresh(request):
        raise SudoRequired(
            Text(
                "Confirm your password at %(path)s (valid %(minutes)s minutes), then retry.",
                path=CONFIRM_PATH,
                minutes=FRESH_S // 60,
            )
        )


class ConfirmPage(OrganizerController):
    """``/organizer/confirm``: the password or a current code, then back to ``next``."""

    @get(CONFIRM_PATH)
    async def form(self, request: Request[Any, Any, Any], viewer: SignedIn) -> Response[Any]:
        return await self._form(request, viewer, request.query_params.get("next"))

    async def _form(
        self,
        request: Request[Any, Any, Any],
        viewer: OrganizerView,
        next_path: str | None,
        status_code: int = 200,
        **context: Any,
    ) -> Response[Any]:
        return render_page(
            request,
            "accounts/confirm.html",
            viewer,
            status_code=status_code,
            next=safe_next(next_path) or DEFAULT_AFTER_LOGIN,
            two_factor=await twofactor.is_enabled(viewer.id),
            **context,
        )

    @post(CONFIRM_PATH)
    async def confirm(self, request: Request[Any, Any, Any], viewer: SignedIn) -> Response[Any]:
        values = await form_fields(request, "password", "code", "next")
        await code_attempts.gate(request, viewer.id)
        ok = False
        if values["code"].strip():
            ok = await twofactor.verify(viewer.id, values["code"].strip())
        elif values["password"]:
            ok = await service.authenticate(viewer.email, values["password"]) is not None
        if not ok:
            await code_attempts.failed(request, viewer.id)
            return await self._form(request, viewer, values["next"], status_code=422, failed=True)
        mark_fresh(request)
        return see_other(safe_next(values["next"]) or DEFAULT_AFTER_LOGIN)


ROUTES: list[Any] = [ConfirmPage]
