"""The pages of links mailed about an account: "forgot your password" and its reset link,
and the link that confirms a new address (accounts/passwords.py, accounts/email_change.py
hold the rules). Changing the password or address while signed in is on the security page.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from server.accounts import email_change, passwords
from server.accounts.pages import OrganizerController, form_fields, see_other
from server.errors import Conflict, NotFound
from server.web.forms import submit
from server.web.ratelimit import enforce
from server.web.templates import app_settings, render_page

FORGOT_PAGE = "/login/forgot"


class PasswordPages(OrganizerController):
    @get(FORGOT_PAGE)
    async def forgot_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return render_page(request, "accounts/forgot.html", None)

    @post(FORGOT_PAGE)
    async def forgot(self, request: Request[Any, Any, Any]) -> Response[Any]:
        """Invariant 8: one answer for every well-formed address (passwords.request)."""
        await enforce(request, "forgot", limit=app_settings(request).login_rate_limit_per_minute)
        values = await form_fields(request, "email")
        return await submit(
            lambda: passwords.request(values["email"]),
            done=lambda _: render_page(request, "accounts/forgot_sent.html", None),
            invalid=lambda errors: render_page(
                request, "accounts/forgot.html", None, errors=errors, values=values
            ),
        )

    @get(f"{passwords.RESET_PATH}{{token:str}}")
    async def reset_form(
        self, request: Request[Any, Any, Any], token: FromPath[str]
    ) -> Response[Any]:
        """The mailed link shows a form; only its POST changes anything (mail scanners that
        follow links change nothing)."""
        if await passwords.opened(token) is None:
            return _invalid(request)
        return render_page(request, "accounts/reset.html", None, action=request.url.path)

    @post(f"{passwords.RESET_PATH}{{token:str}}")
    async def reset(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
        await enforce(request, "reset", limit=app_settings(request).login_rate_limit_per_minute)
        values = await form_fields(request, "password")
        try:
            return await submit(
                lambda: passwords.reset(token, values["password"]),
                # Not signed in: the sign-in that follows asks for the second factor too.
                done=lambda _: see_other("/login?reset=1"),
                invalid=lambda errors: render_page(
                    request, "accounts/reset.html", None, errors=errors, action=request.url.path
                ),
            )
        except NotFound:
            return _invalid(request)

    @get(f"{email_change.CONFIRM_PATH}{{token:str}}")
    async def email_link(
        self, request: Request[Any, Any, Any], token: FromPath[str]
    ) -> Response[Any]:
        """Opening the link shows a button; only its POST changes the address."""
        new_email = await email_change.pending(token)
        return render_page(
            request,
            "accounts/email_confirm.html",
            None,
            status_code=200 if new_email else 404,
            new_email=new_email,
            action=request.url.path,
        )

    @post(f"{email_change.CONFIRM_PATH}{{token:str}}")
    async def email_confirm(
        self, request: Request[Any, Any, Any], token: FromPath[str]
    ) -> Response[Any]:
        try:
            await email_change.confirm(token)
        except (NotFound, Conflict) as exc:
            return render_page(
                request,
                "accounts/email_confirm.html",
                None,
                status_code=exc.status_code,
                new_email=None,
                problem=exc.detail,
            )
        return see_other("/organizer/security?email=changed")


def _invalid(request: Request[Any, Any, Any]) -> Response[Any]:
    return render_page(request, "accounts/reset.html", None, status_code=404, invalid=True)


ROUTES: list[Any] = [PasswordPages]
