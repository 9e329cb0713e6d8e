"""Mail pages: one-click unsubscribe (RFC 8058) and the organizer's mail-status fragment.

``POST /unsubscribe/{token}`` needs no login and no CSRF token: mail providers post it
for the user with ``List-Unsubscribe=One-Click`` and have neither. The secret token is
the proof, and a forged post could only switch off reminders. ``GET`` shows a
confirmation button and changes nothing (invariant 4).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath

from server.accounts.pages import OrganizerController
from server.errors import NotFound
from server.events import service as events
from server.i18n import N_
from server.mail import status
from server.mail import unsubscribe as unsubscribing
from server.web.auth import SignedIn, current_organizer
from server.web.templates import render_page

INVALID = N_("This unsubscribe link is not valid.")


@get("/unsubscribe/{token:str}", include_in_schema=False)
async def confirm_unsubscribe(
    request: Request[Any, Any, Any], token: FromPath[str]
) -> Response[Any]:
    if not await unsubscribing.token_known(token):
        raise NotFound(INVALID)
    return await _unsubscribe_page(request, token, done=False)


async def _unsubscribe_page(
    request: Request[Any, Any, Any], token: str, *, done: bool
) -> Response[Any]:
    viewer = await current_organizer(request)
    return render_page(request, "mail/unsubscribe.html", viewer, token=token, done=done)


@post(
    "/unsubscribe/{token:str}",
    include_in_schema=False,
    status_code=200,
    opt={"exclude_from_csrf": True},
)
async def unsubscribe(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    if not await unsubscribing.unsubscribe(token):
        raise NotFound(INVALID)
    return await _unsubscribe_page(request, token, done=True)


class MailStatusPages(OrganizerController):
    path = "/organizer"

    @get("/events/{event_id:uuid}/mail-status")
    async def mail_status(
        self, request: Request[Any, Any, Any], viewer: SignedIn, event_id: FromPath[UUID]
    ) -> Response[Any]:
        """Counts and failures of the event's mail; members of its organization only."""
        event = await events.event_for_member(viewer, event_id, "viewer")
        return render_page(
            request,
            "mail/status.html",
            viewer,
            fragment="partials/mail/status.html",
            event=event,
            counts=await status.status_counts(event_id),
            failed=await status.failed_messages(event_id),
        )


ROUTES: list[Any] = [confirm_unsubscribe, unsubscribe, MailStatusPages]
