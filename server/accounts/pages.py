"""Organizer pages: sign-up, sign-in/out, dashboard, organizations, tokens.
(Admins' pages: ``admin_pages.py``; the invitation link: ``invitation_pages.py``.)

Forms post back to the same URL: on bad input the page is shown again with status 422
and inline errors; on success a 303 redirect. They work without JavaScript and carry
``hx-boost="false"``, because htmx 2 does not swap 4xx answers into the page.

Organizer pages extend ``OrganizerController`` and declare ``viewer: SignedIn``: the
dependency sends anonymous visitors to ``/login?next=<this page>`` (303).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect

from server.accounts import api_tokens, members, service, signup, twofactor
from server.accounts.service import OrganizerView
from server.errors import Conflict, NotFound
from server.i18n import N_
from server.web.auth import SESSION_GENERATION, SESSION_KEY, SignedIn, current_organizer
from server.web.forms import submit
from server.web.ratelimit import enforce
from server.web.templates import app_settings, render_page
from server.web.urls import safe_next

DEFAULT_AFTER_LOGIN = "/organizer"
# When the session last proved who it is (password or code): see accounts/sudo.py.
REAUTH_AT = "reauth_at"
# Cookie names of the server-side session (app.py: "__Host-session" when served over https).
SESSION_COOKIES = ("session", "__Host-session")


class SignInRequired(HTTPException):
    """Raised by ``signed_in``; answered with a 303 to the login page.

    Being an HTTPException with a Location header, it also redirects on controllers that
    do not register ``to_login`` (the app's handler keeps the header).
    """

    status_code = 303

    def __init__(self, next_path: str | None) -> None:
        self.location = login_url(next_path)
        super().__init__(detail=N_("Sign in first"), headers={"Location": self.location})


def login_url(next_path: str | None) -> str:
    target = safe_next(next_path)
    return f"/login?next={quote(target, safe='')}" if target else "/login"


def to_login(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return Redirect(exc.location, status_code=303, headers={"Cache-Control": "no-store"})


async def provide_signed_in(request: Request[Any, Any, Any]) -> OrganizerView:
    """Dependency ``viewer`` of the signed-in pages (``signed_in`` below)."""
    return await signed_in(request)


class OrganizerController(Controller):
    """Base of the signed-in pages: kept out of the API schema; handlers declare
    ``viewer: SignedIn`` and an anonymous visitor is sent to the login page (``signed_in``
    raises ``SignInRequired``)."""

    include_in_schema = False
    exception_handlers = {SignInRequired: to_login}
    dependencies = {"viewer": Provide(provide_signed_in)}


async def signed_in(request: Request[Any, Any, Any], next_path: str | None = None) -> OrganizerView:
    """The signed-in organizer, or a redirect to the login page that comes back here."""
    organizer = await current_organizer(request)
    if organizer is None:
        if next_path is None and request.method == "GET":
            query = request.url.query
            next_path = request.url.path + (f"?{query}" if query else "")
        raise SignInRequired(next_path)
    return organizer


async def start_session(request: Request[Any, Any, Any], organizer: OrganizerView) -> None:
    """Sign in with a brand-new session id, so an id planted before login is worthless.

    The session records the organizer's session generation: "sign out everywhere" bumps
    it, and web/auth.current_organizer then refuses every older session.
    """
    generation = await service.session_generation(organizer.id)
    # Signing in is a proof of identity: security changes need no second prompt for a
    # while (accounts/sudo.py reads REAUTH_AT).
    await new_session(
        request,
        {
            SESSION_KEY: str(organizer.id),
            SESSION_GENERATION: generation,
            REAUTH_AT: int(time.time()),
        },
    )


async def new_session(request: Request[Any, Any, Any], data: dict[str, Any]) -> None:
    """Replace the session, and its id, with ``data``.

    Litestar's server-side backend keeps the id from the request's cookie even after
    ``clear_session()``; dropping the cookie from the parsed (shared, per-request) cookie
    map makes it mint a new id for the response. The old session is deleted from the store.
    tests/accounts/test_sessions.py checks that the cookie changes and the old one is dead.
    """
    store = request.app.stores.get("sessions")
    cookies = request.cookies
    for name in SESSION_COOKIES:
        old = cookies.pop(name, None)
        if old:
            await store.delete(old)
    request.clear_session()
    request.set_session(data)


PENDING_2FA = "pending_2fa"
PENDING_TTL_S = 300  # the code must follow the password within five minutes


def pending_two_factor(who: OrganizerView, next_path: str | None) -> dict[str, Any]:
    return {PENDING_2FA: {"id": str(who.id), "next": next_path or "", "at": int(time.time())}}


def see_other(path: str) -> Redirect:
    return Redirect(path, status_code=303)


async def form_fields(request: Request[Any, Any, Any], *names: str) -> dict[str, str]:
    form = await request.form()
    values = {}
    for name in names:
        value = form.get(name, "")
        values[name] = value if isinstance(value, str) else ""
    return values


def _require_fresh(request: Request[Any, Any, Any], back_to: str) -> None:
    from server.accounts import sudo  # sudo builds on this module's helpers

    sudo.require_fresh(request, back_to)


async def _entry_form(request: Request[Any, Any, Any], template: str) -> Response[Any]:
    """The sign-up or sign-in form; someone already signed in goes where they were headed."""
    next_path = safe_next(request.query_params.get("next"))
    if viewer := await current_organizer(request):
        return see_other(next_path or DEFAULT_AFTER_LOGIN)
    return render_page(request, f"accounts/{template}", viewer, next=next_path)


class SessionPages(OrganizerController):
    """Sign-up, sign-in and sign-out."""

    @get("/signup")
    async def signup_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await _entry_form(request, "signup.html")

    @post("/signup")
    async def signup(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Invariant 8: the same answer whether or not the address has an account
        (accounts/signup.py); only the mail that address receives differs."""
        # Hashing a password costs real CPU: limit sign-ups like logins.
        await enforce(request, "signup", limit=app_settings(request).login_rate_limit_per_minute)
        values = await form_fields(request, "email", "display_name", "password", "next")
        next_path = safe_next(values["next"])
        shown = {k: v for k, v in values.items() if k != "password"}  # never echoed back
        return await submit(
            lambda: signup.request_account(
                values["email"], values["password"], values["display_name"], next_path or ""
            ),
            done=lambda email: render_page(request, "accounts/signup_sent.html", None, email=email),
            invalid=lambda errors: render_page(
                request, "accounts/signup.html", None, errors=errors, values=shown, next=next_path
            ),
        )

    @get("/signup/confirm/{token:str}")
    async def signup_link(
        self, request: Request[Any, Any, Any], token: FromPath[str]
    ) -> Response[Any]:
        """Opening the mailed link shows a button; only its POST creates the account (a
        GET changes nothing, and mail scanners that follow links create nothing)."""
        pending = signup.opened(token)
        if pending is None:
            return render_page(
                request, "accounts/signup_confirm.html", None, status_code=404, invalid=True
            )
        return render_page(
            request, "accounts/signup_confirm.html", None, pending=pending, action=request.url.path
        )

    @post("/signup/confirm/{token:str}")
    async def signup_finish(
        self, request: Request[Any, Any, Any], token: FromPath[str]
    ) -> Response[Any]:
        try:
            who, next_path = await signup.finish(token)
        except NotFound:
            return render_page(
                request, "accounts/signup_confirm.html", None, status_code=404, invalid=True
            )
        except Conflict:
            return see_other("/login")
        await start_session(request, who)
        return see_other(safe_next(next_path) or DEFAULT_AFTER_LOGIN)

    @get("/login")
    async def login_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await _entry_form(request, "login.html")

    @post("/login")
    async def login(self, request: Request[Any, Any, Any]) -> Response[Any]:
        await enforce(request, "login", limit=app_settings(request).login_rate_limit_per_minute)
        values = await form_fields(request, "email", "password", "next")
        next_path = safe_next(values["next"])
        who = await service.authenticate(values["email"], values["password"])
        if who is None:
            # One message for an unknown email and a wrong password: no account enumeration.
            return render_page(
                request,
                "accounts/login.html",
                None,
                status_code=422,
                failed=True,
                values={"email": values["email"]},
                next=next_path,
            )
        if await twofactor.is_enabled(who.id):
            # Half signed in: the session names who still owes a code, and grants nothing
            # else (web/auth reads only SESSION_KEY). A fresh id here too.
            await new_session(request, pending_two_factor(who, next_path))
            return see_other("/login/2fa")
        await start_session(request, who)
        return see_other(next_path or DEFAULT_AFTER_LOGIN)

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        request.clear_session()  # the middleware deletes it from the store and expires the cookie
        return see_other("/")


class OrganizerPages(OrganizerController):
    """The dashboard, organization pages, invitations and API tokens."""

    @get("/organizer")
    async def dashboard(self, request: Request[Any, Any, Any], viewer: SignedIn) -> Response[Any]:
        return await self._dashboard(request, viewer)

    async def _dashboard(
        self, request: Request[Any, Any, Any], viewer: OrganizerView, **context: Any
    ) -> Response[Any]:
        orgs = await service.organizations_of(viewer)
        return render_page(request, "accounts/dashboard.html", viewer, orgs=orgs, **context)

    @post("/organizer/orgs")
    async def create_org(self, request: Request[Any, Any, Any], viewer: SignedIn) -> Response[Any]:
        values = await form_fields(request, "name", "description")
        return await submit(
            lambda: service.create_organization(viewer, values["name"], values["description"]),
            done=lambda org: see_other(f"/organizer/orgs/{org.id}"),
            invalid=lambda errors: self._dashboard(request, viewer, errors=errors, values=values),
        )

    @get("/organizer/orgs/{org_id:uuid}")
    async def organization(
        self, request: Request[Any, Any, Any], viewer: SignedIn, org_id: FromPath[UUID]
    ) -> Response[Any]:
        return await self._organization(request, viewer, org_id)

    async def _organization(
        self,
        request: Request[Any, Any, Any],
        viewer: OrganizerView,
        org_id: FromPath[UUID],
        status_code: int = 200,
        **context: Any,
    ) -> Response[Any]:
        org = await service.member_organization(viewer, org_id)  # 404 for non-members
        listed = await members.members(viewer, org_id)
        return render_page(
            request,
            "accounts/organization.html",
            viewer,
            status_code=status_code,
            org=org,
            role=org.role,
            members=listed,
            **context,
        )

    @post("/organizer/orgs/{org_id:uuid}/invitations")
    async def invite(
        self, request: Request[Any, Any, Any], viewer: SignedIn, org_id: FromPath[UUID]
    ) -> Response[Any]:
        _require_fresh(request, f"/organizer/orgs/{org_id}")
        values = await form_fields(request, "email", "role")

        async def done(created: members.InvitationCreated) -> Response[Any]:
            # Shown on this answer only: the database keeps just the link's hash.
            url = f"{app_settings(request).base_url}/invitations/{created.secret}"
            return await self._organization(
                request, viewer, org_id, invitation=created, invite_url=url
            )

        return await submit(
            lambda: members.invite(viewer, org_id, values["email"], values["role"]),
            done=done,
            invalid=lambda errors: self._organization(
                request, viewer, org_id, errors=errors, values=values
            ),
        )

    @post("/organizer/orgs/{org_id:uuid}/members/{membership_id:uuid}/remove")
    async def remove_member(
        self,
        request: Request[Any, Any, Any],
        viewer: SignedIn,
        org_id: FromPath[UUID],
        membership_id: FromPath[UUID],
    ) -> Response[Any]:
        _require_fresh(request, f"/organizer/orgs/{org_id}")
        try:
            await members.remove_member(viewer, org_id, membership_id)
        except Conflict as exc:
            return await self._organization(
                request, viewer, org_id, status_code=409, member_error=exc.detail
            )
        if await service.membership_role(viewer, org_id) is None:
            return see_other(DEFAULT_AFTER_LOGIN)  # they removed themselves
        return see_other(f"/organizer/orgs/{org_id}")

    @get("/organizer/tokens")
    async def tokens(self, request: Request[Any, Any, Any], viewer: SignedIn) -> Response[Any]:
        return await self._tokens(request, viewer)

    async def _tokens(
        self, request: Request[Any, Any, Any], viewer: OrganizerView, **context: Any
    ) -> Response[Any]:
        rows = await api_tokens.of_organizer(viewer)
        return render_page(
            request,
            "accounts/tokens.html",
            viewer,
            fragment="partials/accounts/token_list.html",
            tokens=rows,
            **context,
        )

    @post("/organizer/tokens")
    async def create_token(
        self, request: Request[Any, Any, Any], viewer: SignedIn
    ) -> Response[Any]:
        _require_fresh(request, "/organizer/tokens")
        values = await form_fields(request, "name")
        return await submit(
            lambda: api_tokens.create(viewer, values["name"], announce=True),
            done=lambda created: self._tokens(
                request, viewer, new_token=created[1], new_token_name=values["name"]
            ),
            invalid=lambda errors: self._tokens(request, viewer, errors=errors, values=values),
        )

    @post("/organizer/tokens/{token_id:uuid}/revoke")
    async def revoke_token(
        self, request: Request[Any, Any, Any], viewer: SignedIn, token_id: FromPath[UUID]
    ) -> Response[Any]:
        await api_tokens.revoke(viewer, token_id)
        return see_other("/organizer/tokens")


ROUTES: list[Any] = [SessionPages, OrganizerPages]  # invitations: invitation_pages.py
