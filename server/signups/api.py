"""JSON API: RSVP, a signup managed by its token, places left; organizers' attendees,
check-in, approvals and shifts.

CSRF (invariant 4): the anonymous RSVP needs the ``x-csrftoken`` header like every other
write made with cookies (a client gets one from ``GET /api/v1/csrf``; pages have it in
``hx-headers``); it also takes ``application/json`` only. A manage request carries its
secret in the ``X-Manage-Token`` header, which no cross-site page can make a browser send,
so the CSRF middleware lets it through without the cookie check (server/web/security.py).
The token never goes in a URL (URLs end up in logs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, delete, get, patch, post, put
from litestar.exceptions import HTTPException
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from server.errors import Conflict
from server.events import service as events
from server.i18n import N_, translate
from server.signups import anomalies, audit_trail, places, roster, rows, service, shifts
from server.signups.roster import Action
from server.signups.rsvp import rsvp
from server.signups.schemas import (
    AttendeeOut,
    Availability,
    Roster,
    RsvpOut,
    ShiftCounts,
    ShiftInput,
    ShiftOut,
    ShiftRef,
    SignupChange,
    SignupHint,
    SignupHints,
    SignupInput,
    SignupOut,
)
from server.web import urls
from server.web.api import ApiController
from server.web.apidocs import problems
from server.web.auth import SignedIn, Viewer, require_organizer
from server.web.ratelimit import enforce

RSVP_LIMIT_PER_MINUTE = 30
# What a 409, and a 404 to a manage token, mean here (web/apidocs.py words the rest).
CONFLICT = (
    "Conflicts with the state: the event is full, cancelled or over; "
    "the signup is not in a state for this"
)
TOKEN_NOT_FOUND = "Not found: an unknown or replaced manage token"
RSVP_DESCRIPTION = """No account needed. The answer says going, pending (the organizers
approve each RSVP) or unconfirmed; the private link to manage the signup is emailed,
never returned. A full event without a waitlist answers 409. Rate-limited per client.

**Unconfirmed**: where places are counted (the event or the chosen shift has a
capacity), an RSVP holds no place until the volunteer confirms it from the emailed link
(`POST /api/v1/signups/manage/confirm`); it then takes a place, or joins the waitlist.
So nobody can take a place in someone else's name, and the places left never tell
whether an address had signed up before.

**The same address again** gets exactly the answer a newcomer would get and changes
nothing: its existing link keeps working, and it is emailed "you are already signed up"
(at most once a day per event).

**CSRF**: like every write made with cookies, this needs a CSRF token (403 without):
call `GET /api/v1/csrf` first, keep the cookie it sets, and send its `token` in the
`x-csrftoken` header. A browser page of ours has the token already. An organizer's
`Authorization: Bearer` API token needs none."""
ManageToken = Annotated[
    str,
    HeaderParameter(
        name="X-Manage-Token",
        description="The secret from the signup's manage link (sent by email).",
        max_length=service.SECRET_MAX,
    ),
]


def _require_json(request: Request[Any, Any, Any]) -> None:
    if request.content_type[0] != "application/json":
        raise HTTPException(status_code=415, detail=N_("Send the RSVP as application/json."))


def signup_out(found: service.SignupView) -> SignupOut:
    shift = found.shift
    return SignupOut(
        id=found.id,
        status=found.status,  # type: ignore[arg-type]
        display_name=found.display_name,
        guests=found.guests,
        shift=ShiftRef(
            id=shift["id"],
            role=shift["role"],
            starts_at=shift["starts_at"].astimezone(found.event.starts_at.tzinfo),
            ends_at=shift["ends_at"].astimezone(found.event.starts_at.tzinfo),
        )
        if shift
        else None,
        event=found.event,
        position=found.position,
    )


class VolunteerController(ApiController):
    tags = ["signups"]

    @post(
        "/events/{event_id:uuid}/signups",
        status_code=201,
        summary="RSVP to an event",
        description=RSVP_DESCRIPTION,
        security=[],
        responses=problems(400, 403, 404, 409, 415, 422, 429, conflict=CONFLICT),
    )
    async def create(
        self, request: Request[Any, Any, Any], event_id: FromPath[UUID], data: JSONBody[SignupInput]
    ) -> RsvpOut:
        """See RSVP_DESCRIPTION (it is the OpenAPI description)."""
        _require_json(request)
        await enforce(request, "rsvp", limit=RSVP_LIMIT_PER_MINUTE, window_s=60)
        outcome = await rsvp(event_id, data, anomalies.request_network(request))
        if outcome.status == "full":
            raise Conflict(N_("This event is full."))
        return RsvpOut(
            status=outcome.status,  # type: ignore[arg-type]
            event_id=outcome.event_id,
            shift_id=outcome.shift_id,
            guests=outcome.guests,
            position=outcome.position,
            # For people: in the request's language (``Accept-Language``).
            message=translate(
                N_("Confirm from the email we have sent you: your RSVP takes a place only then.")
                if outcome.status == "unconfirmed"
                else N_("We have emailed you a private link to manage your RSVP.")
            ),
        )

    @get(
        "/events/{event_id:uuid}/availability",
        summary="Places left in an event and its shifts",
        responses=problems(400, 404),
    )
    async def availability(self, viewer: Viewer, event_id: FromPath[UUID]) -> Availability:
        _, body = await shifts.public_availability(viewer, event_id)
        return body

    @get(
        "/signups/manage",
        summary="Your signup (by its manage token)",
        security=[],
        responses=problems(400, 404, not_found=TOKEN_NOT_FOUND),
    )
    async def manage_get(self, request: Request[Any, Any, Any], token: ManageToken) -> SignupOut:
        return await _by_token(request, token)

    @patch(
        "/signups/manage",
        summary="Change guests or shift of your signup",
        security=[],
        responses=problems(400, 403, 404, 409, 422, conflict=CONFLICT, not_found=TOKEN_NOT_FOUND),
    )
    async def manage_patch(
        self, request: Request[Any, Any, Any], token: ManageToken, data: JSONBody[SignupChange]
    ) -> SignupOut:
        """A going signup keeps its place only if the change fits (422 otherwise, with
        nothing changed)."""

        async def change(signup_id: UUID) -> None:
            await service.change(
                signup_id,
                guests=None if data.guests is msgspec.UNSET else data.guests,
                shift_id=None if data.shift_id is msgspec.UNSET else data.shift_id,
                change_shift=data.shift_id is not msgspec.UNSET,
            )

        return await _by_token(request, token, change)

    @post(
        "/signups/manage/confirm",
        status_code=200,
        summary="Confirm your RSVP (it then takes a place, or joins the waitlist)",
        security=[],
        responses=problems(400, 403, 404, 409, conflict=CONFLICT, not_found=TOKEN_NOT_FOUND),
    )
    async def manage_confirm(
        self, request: Request[Any, Any, Any], token: ManageToken
    ) -> SignupOut:
        """409 when neither a place nor the waitlist is left; confirming twice is fine."""
        return await _by_token(request, token, service.confirm)

    @delete(
        "/signups/manage",
        status_code=200,
        summary="Cancel your signup",
        security=[],
        responses=problems(400, 403, 404, 409, conflict=CONFLICT, not_found=TOKEN_NOT_FOUND),
    )
    async def manage_delete(self, request: Request[Any, Any, Any], token: ManageToken) -> SignupOut:
        """Your place goes to the first person on the waitlist at once."""
        return await _by_token(request, token, service.cancel)


async def _by_token(
    request: Request[Any, Any, Any],
    token: str,
    act: Callable[[UUID], Awaitable[object]] | None = None,
) -> SignupOut:
    """Do ``act`` (if any) to the signup the manage token names; answer with it as it is now."""
    signup_id = await service.signup_for_token(token)
    if act is not None:
        await act(signup_id)
    return signup_out(await service.view(signup_id, urls.base_url(request)))


def roster_out(view: roster.RosterView) -> Roster:
    return Roster(
        event_id=view.event["id"],
        counts=view.counts,
        shifts=[ShiftCounts(shift=s, counts=c) for s, c in view.shifts],
        items=[roster.attendee_out(r) for r in view.items],
    )


class OrganizerController(ApiController):
    tags = ["attendees"]
    guards = [require_organizer]

    @get(
        "/events/{event_id:uuid}/attendees",
        summary="Who signed up, with counts",
        responses=problems(400, 401, 404),
    )
    async def attendees(
        self,
        organizer: SignedIn,
        event_id: FromPath[UUID],
        status: Annotated[
            str,
            QueryParameter(
                description="pending, going, waitlisted, checked_in, declined, cancelled or blocked"
            ),
        ] = "",
        shift: Annotated[str, QueryParameter(description="a shift id, or `none`")] = "",
        q: Annotated[str, QueryParameter(max_length=100, description="name or email")] = "",
    ) -> Roster:
        """Members of the event's organization only (viewers too); 404 for anyone else."""
        view = await roster.roster(organizer, event_id, status=status, shift=shift, query=q)
        detail = audit_trail.describe(view, status=status, shift=shift, searched=bool(q.strip()))
        if organizer.api_token:
            # A script's full copy with emails and phones: an export (owners are emailed).
            await audit_trail.exported(organizer, view, detail, api=True)
        else:
            # The signed-in browser: a view like the page. A cross-site link can open this
            # GET with the session cookie (SameSite=Lax), and must not set off the alarm.
            await audit_trail.viewed(
                organizer, view, "attendees.viewed", detail + ", through the API"
            )
        return roster_out(view)

    @get(
        "/events/{event_id:uuid}/signup-hints",
        summary="Warnings about suspicious signups of a sensitive event",
        responses=problems(400, 401, 404),
    )
    async def signup_hints(self, organizer: SignedIn, event_id: FromPath[UUID]) -> SignupHints:
        """Bursts of signups, many from one network, people signed up to many other
        sensitive events: hints for members (viewers too) of the event's organization,
        404 for anyone else. Nothing is blocked or changed; an event that is not
        sensitive has no hints."""
        event = await events.event_for_member(organizer, event_id)
        found = await anomalies.hints(event)
        return SignupHints(
            event_id=event["id"],
            sensitive=anomalies.is_sensitive(event),
            hints=[SignupHint(h.kind, str(h.message), list(h.signup_ids)) for h in found],
        )

    @post(
        "/signups/{signup_id:uuid}/{action:str}",
        status_code=200,
        summary="Approve, decline, remove, block, unblock, check in or undo a check-in",
        responses=problems(400, 401, 403, 404, 409, conflict=CONFLICT),
    )
    async def act(
        self, organizer: SignedIn, signup_id: FromPath[UUID], action: FromPath[Action]
    ) -> AttendeeOut:
        """``approve``: pending → going (waitlisted when full). ``decline``: pending or
        waitlisted → declined. ``remove``: any active signup → declined (they are told).
        ``block``: silently; never counted, never gets the address. ``check_in`` /
        ``undo_check_in`` at the event. Places freed move the waitlist up."""
        row = await roster.act(organizer, signup_id, action)
        return roster.attendee_out({**row, "position": None})

    @post(
        "/events/{event_id:uuid}/shifts",
        status_code=201,
        summary="Add a shift",
        tags=["shifts"],
        responses=problems(400, 401, 403, 404, 422),
    )
    async def create_shift(
        self, organizer: SignedIn, event_id: FromPath[UUID], data: JSONBody[ShiftInput]
    ) -> ShiftOut:
        return await _shift_out(await shifts.create_shift(organizer, event_id, data))

    @put(
        "/shifts/{shift_id:uuid}",
        summary="Replace a shift",
        tags=["shifts"],
        responses=problems(400, 401, 403, 404, 422),
    )
    async def update_shift(
        self, organizer: SignedIn, shift_id: FromPath[UUID], data: JSONBody[ShiftInput]
    ) -> ShiftOut:
        """A capacity below the places taken needs ``move_to_waitlist`` (422 names it)."""
        return await _shift_out(await shifts.update_shift(organizer, shift_id, data))

    @delete(
        "/shifts/{shift_id:uuid}",
        summary="Delete a shift nobody is signed up for",
        tags=["shifts"],
        responses=problems(400, 401, 403, 404, 409, conflict=CONFLICT),
    )
    async def delete_shift(self, organizer: SignedIn, shift_id: FromPath[UUID]) -> None:
        await shifts.delete_shift(organizer, shift_id)


async def _shift_out(row: dict[str, Any]) -> ShiftOut:
    event = await rows.event(row["event"])
    used = await places.usage(event["id"])
    return shifts.shift_out(
        row, event["timezone"], used, places.left(event["capacity"], used.total)
    )


ROUTES: list[Any] = [VolunteerController, OrganizerController]
