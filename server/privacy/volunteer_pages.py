"""A volunteer's own data from their manage link (``/m/<secret>``): export it as JSON,
or delete it after a confirmation step (invariant 6). Both are POSTs (CSRF-checked);
the answers are ``no-store`` and the secret paths are redacted from logs like /m/ itself.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath

from server.accounts.pages import see_other
from server.i18n import N_
from server.privacy import lifecycle
from server.signups import lifecycle as signups_lifecycle
from server.signups import service as signups
from server.web.templates import render

NOINDEX = {"X-Robots-Tag": "noindex"}


async def _volunteer(token: str) -> Any:
    """The volunteer behind a manage link; 404 for an unknown or deleted one."""
    signup_id = await signups.signup_for_token(token)
    return await signups_lifecycle.volunteer_of_signup(signup_id)


@post("/m/{token:str}/export", include_in_schema=False, status_code=200)
async def export_data(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[bytes]:
    data = await lifecycle.export(await _volunteer(token))
    return Response(
        msgspec.json.encode(data),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="muster-my-data.json"',
            "Cache-Control": "no-store",
            **NOINDEX,
        },
    )


def _confirm_page(
    request: Request[Any, Any, Any], token: str, error: str = "", status_code: int = 200
) -> Response[Any]:
    return render(
        request,
        "pages/privacy/delete_me.html",
        {"viewer": None, "action": f"/m/{token}", "error": error},
        status_code=status_code,
        private=True,
        headers=NOINDEX,
    )


@get("/m/{token:str}/delete", include_in_schema=False)
async def delete_confirm(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    """Only asks: a GET changes nothing (invariant 4)."""
    await _volunteer(token)
    return _confirm_page(request, token)


@post("/m/{token:str}/delete", include_in_schema=False)
async def delete_data(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    volunteer_id = await _volunteer(token)
    form = await request.form()
    if form.get("confirm") != "yes":
        error = N_("Tick the box to confirm that everything about you should be deleted.")
        return _confirm_page(request, token, error, status_code=422)
    await lifecycle.delete(volunteer_id)
    return see_other("/data-deleted")


@get("/data-deleted", include_in_schema=False)
async def deleted(request: Request[Any, Any, Any]) -> Response[Any]:
    return render(request, "pages/privacy/deleted.html", {"viewer": None}, headers=NOINDEX)


ROUTES: list[Any] = [export_data, delete_confirm, delete_data, deleted]
