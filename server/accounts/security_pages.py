"""Account pages: the second sign-in step, 2FA set-up, "sign out everywhere", language.

All are private (no-store) and every change is a POST with CSRF. Changes need sudo mode
(accounts/sudo.py: a password or code in the last ten minutes). Code attempts back off
per client and per account (accounts/code_attempts.py), so the 10⁶ codes cannot be
walked through, and the account hears of repeated failures.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

import segno
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from server.accounts import (
    code_attempts,
    email_change,
    passwords,
    preferences,
    service,
    twofactor,
)
from server.accounts.pages import (
    DEFAULT_AFTER_LOGIN,
    PENDING_2FA,
    PENDING_TTL_S,
    OrganizerController,
    form_fields,
    safe_next,
    see_other,
    signed_in,
    start_session,
)
from server.accounts.service import OrganizerView, TwoFactorRequired
from server.accounts.sudo import ConfirmPage, require_fresh
from server.errors import Conflict, ValidationFailed
from server.i18n import N_
from server.web.auth import SignedIn
from server.web.errors import problem
from server.web.forms import Answer, submit
from server.web.language import language_cookie
from server.web.templates import app_settings, render_page

SECURITY_PAGE = "/organizer/security"
T = TypeVar("T")


def handle_two_factor_required(
    request: Request[Any, Any, Any], exc: TwoFactorRequired
) -> Response[Any]:
    """API: 403 problem+json saying what to do. Pages: straight to the set-up page."""
    if request.url.path.startswith("/api/"):
        return problem(403, exc.title, exc.detail)
    return see_other(f"{SECURITY_PAGE}?required=1")


def _pending(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    session = request.scope.get("session")
    pending = session.get(PENDING_2FA) if isinstance(session, dict) else None
    if not isinstance(pending, dict) or time.time() - int(pending.get("at", 0)) > PENDING_TTL_S:
        return None
    return pending


def qr_svg(uri: str) -> str:
    """The otpauth URI as an SVG data: URI (CSP allows data: images; no inline style)."""
    data: str = segno.make(uri, error="m").svg_data_uri(scale=4, border=2)
    return data


class SecondStep(Controller):
    """After the password: the authenticator code (or a recovery code)."""

    include_in_schema = False

    @get("/login/2fa")
    async def form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        if _pending(request) is None:
            return see_other("/login")
        return render_page(request, "accounts/login_2fa.html", None)

    @post("/login/2fa")
    async def check(self, request: Request[Any, Any, Any]) -> Response[Any]:
        pending = _pending(request)
        if pending is None:
            return see_other("/login")
        organizer_id = uuid.UUID(pending["id"])
        await code_attempts.gate(request, organizer_id)
        values = await form_fields(request, "code")
        who = await service.organizer_by_id(organizer_id)
        if who is None or not await twofactor.verify(organizer_id, values["code"]):
            await code_attempts.failed(request, organizer_id)
            return render_page(
                request,
                "accounts/login_2fa.html",
                None,
                status_code=422,
                errors={"code": N_("That code is not right; try the newest one.")},
            )
        await start_session(request, who)
        return see_other(safe_next(pending.get("next")) or DEFAULT_AFTER_LOGIN)


class SecurityPages(OrganizerController):
    async def _page(
        self, request: Request[Any, Any, Any], viewer: OrganizerView, **context: Any
    ) -> Response[Any]:
        state = await twofactor.status(viewer)
        return render_page(
            request,
            "accounts/security.html",
            viewer,
            state=state,
            account_language=await preferences.account_language(viewer),
            password_changed=request.query_params.get("password") == "changed",
            email_changed=request.query_params.get("email") == "changed",
            required=request.query_params.get("required") == "1",
            **context,
        )

    @get(SECURITY_PAGE)
    async def show(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await self._page(request, await signed_in(request))

    @post(f"{SECURITY_PAGE}/2fa/start")
    async def start(self, request: Request[Any, Any, Any], viewer: SignedIn) -> Response[Any]:
        require_fresh(request, SECURITY_PAGE)
        try:
            enrolment = await twofactor.begin_enrolment(viewer)
        except Conflict:
            return see_other(SECURITY_PAGE)
        return self._setup(request, viewer, enrolment)

    def _setup(
        self,
        request: Request[Any, Any, Any],
        viewer: OrganizerView,
        enrolment: twofactor.Enrolment,
        **context: Any,
    ) -> Response[Any]:
        return render_page(
            request,
            "accounts/two_factor_setup.html",
            viewer,
            secret=enrolment.secret,
            uri=enrolment.uri,
            qr=qr_svg(enrolment.uri),
            **context,
        )

    @post(f"{SECURITY_PAGE}/2fa/confirm")
    async def confirm(self, request: Request[Any, Any, Any], viewer: SignedIn) -> Response[Any]:
        require_fresh(request, SECURITY_PAGE)
        await code_attempts.gate(request, viewer.id)
        values = await form_fields(request, "code")
        try:
            codes = await twofactor.confirm_enrolment(viewer, values["code"])
        except Conflict:
            return see_other(SECURITY_PAGE)
        except ValidationFailed as exc:
            await code_attempts.failed(request, viewer.id)
            enrolment = await twofactor.begin_enrolment(viewer)  # the same pending secret
            return self._setup(request, viewer, enrolment, status_code=422, errors=exc.errors)
        return render_page(request, "accounts/recovery_codes.html", viewer, codes=codes)

    async def _with_code(
        self,
        request: Request[Any, Any, Any],
        act: Callable[[OrganizerView, str], Awaitable[T]],
        done: Callable[[OrganizerView, T], Answer],
    ) -> Response[Any]:
        """A change that takes a current code: a wrong one counts as a failed attempt and
        shows the security page again with the error."""
        viewer = await signed_in(request)
        require_fresh(request, SECURITY_PAGE)
        await code_attempts.gate(request, viewer.id)
        values = await form_fields(request, "code")

        async def invalid(errors: dict[str, str]) -> Response[Any]:
            await code_attempts.failed(request, viewer.id)
            return await self._page(request, viewer, errors=errors)

        return await submit(
            lambda: act(viewer, values["code"]),
            done=lambda result: done(viewer, result),
            invalid=invalid,
        )

    @post(f"{SECURITY_PAGE}/2fa/recovery-codes")
    async def recovery_codes(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await self._with_code(
            request,
            twofactor.new_recovery_codes,
            lambda viewer, codes: render_page(
                request, "accounts/recovery_codes.html", viewer, codes=codes
            ),
        )

    @post(f"{SECURITY_PAGE}/2fa/disable")
    async def disable(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await self._with_code(
            request, twofactor.disable, lambda _viewer, _: see_other(SECURITY_PAGE)
        )

    @post(f"{SECURITY_PAGE}/language")
    async def language(self, request: Request[Any, Any, Any], viewer: SignedIn) -> Response[Any]:
        """The account's language: its mail is written in it, and this browser's pages too
        (the same cookie the switcher sets)."""
        values = await form_fields(request, "language")
        chosen = await preferences.set_account_language(viewer, values["language"])
        response = see_other(SECURITY_PAGE)
        response.cookies.append(language_cookie(chosen, app_settings(request).https))
        return response

    @post(f"{SECURITY_PAGE}/password")
    async def change_password(
        self, request: Request[Any, Any, Any], viewer: SignedIn
    ) -> Response[Any]:
        """A new password (the current one proves it is them): every other session ends;
        this one goes on with a new session id."""
        values = await form_fields(request, "current_password", "password")

        async def changed(_: None) -> Response[Any]:
            await start_session(request, viewer)
            return see_other(f"{SECURITY_PAGE}?password=changed")

        async def invalid(errors: dict[str, str]) -> Response[Any]:
            return await self._page(request, viewer, errors=errors)

        return await submit(
            lambda: passwords.change(viewer, values["current_password"], values["password"]),
            done=changed,
            invalid=invalid,
        )

    @post(f"{SECURITY_PAGE}/email")
    async def change_email(
        self, request: Request[Any, Any, Any], viewer: SignedIn
    ) -> Response[Any]:
        """A link goes to the new address; nothing changes until it is opened there."""
        values = await form_fields(request, "new_email", "email_password")
        shown = {"new_email": values["new_email"]}

        async def invalid(errors: dict[str, str]) -> Response[Any]:
            return await self._page(request, viewer, errors=errors, values=shown)

        return await submit(
            lambda: email_change.request(viewer, values["new_email"], values["email_password"]),
            done=lambda email: self._page(request, viewer, email_sent_to=email),
            invalid=invalid,
        )

    @post(f"{SECURITY_PAGE}/sign-out-everywhere")
    async def sign_out_everywhere(
        self, request: Request[Any, Any, Any], viewer: SignedIn
    ) -> Response[Any]:
        await twofactor.sign_out_everywhere(viewer)
        request.clear_session()
        return see_other("/login")

    @post("/organizer/orgs/{org_id:uuid}/require-2fa")
    async def require_2fa(
        self, request: Request[Any, Any, Any], viewer: SignedIn, org_id: FromPath[UUID]
    ) -> Response[Any]:
        require_fresh(request, f"/organizer/orgs/{org_id}")
        values = await form_fields(request, "require_2fa")
        try:
            await twofactor.set_organization_requirement(
                viewer, org_id, values["require_2fa"] == "on"
            )
        except ValidationFailed:
            return see_other(f"{SECURITY_PAGE}?required=1")
        return see_other(f"/organizer/orgs/{org_id}")


ROUTES: list[Any] = [SecondStep, SecurityPages, ConfirmPage]
