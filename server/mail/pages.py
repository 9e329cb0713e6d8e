"""Mail pages: one-click unsubscribe (RFC 8058) and the organizer's mail-status fragment.

``POST /unsubscribe/{token}`` needs no login and no CSRF token: mail providers post it
for the user with ``List-Unsubscribe=One-Click`` and have neither. The secret token is
the proof, and a forged post could only switch off reminders. ``GET`` shows a
confirmation button and changes nothing (invariant 4).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from server.accounts.pages import SignInRequired, signed_in, to_login
from server.errors import NotFound
from server.events import service as events
from server.mail import status
from server.mail import unsubscribe as unsubscribing
from server.web.auth import current_organizer
from server.web.templates import render

INVALID = "This unsubscribe link is not valid."


@get("/unsubscribe/{token:str}", include_in_schema=False)
async def confirm_unsubscribe(
    request: Request[Any, Any, Any], token: FromPath[str]
) -> Response[Any]:
    if not await unsubscribing.token_known(token):
        raise NotFound(INVALID)
    context = {"viewer": await current_organizer(request), "token": token, "done": False}
    return render(request, "pages/mail/unsubscribe.html", context, private=True)


@post(
    "/unsubscribe/{token:str}",
    include_in_schema=False,
    status_code=200,
    opt={"exclude_from_csrf": True},
)
async def unsubscribe(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    if not await unsubscribing.unsubscribe(token):
        raise NotFound(INVALID)
    context = {"viewer": await current_organizer(request), "token": token, "done": True}
    return render(request, "pages/mail/unsubscribe.html", context, private=True)


class MailStatusPages(Controller):
    path = "/organizer"
    include_in_schema = False
    exception_handlers = {SignInRequired: to_login}

    @get("/events/{event_id:uuid}/mail-status")
    async def mail_status(
        self, request: Request[Any, Any, Any], event_id: FromPath[UUID]
    ) -> Response[Any]:
        """Counts and failures of the event's mail; members of its organization only."""
        viewer = await signed_in(request)
        event = await events.event_for_member(viewer, event_id, "viewer")
        return render(
            request,
            "pages/mail/status.html",
            {
                "viewer": viewer,
                "event": event,
                "counts": await status.status_counts(event_id),
                "failed": await status.failed_messages(event_id),
            },
            fragment="partials/mail/status.html",
            private=True,
        )


ROUTES: list[Any] = [confirm_unsubscribe, unsubscribe, MailStatusPages]
