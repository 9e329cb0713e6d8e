"""JSON API for one event and an organization's events and campaigns (organizer side).

The public list and nearby search (``GET /api/v1/events``) live in ``search.py``.
Members of the owning organization get the full record; everyone else gets the
public shape (invariant 2) or a 404 for anything that is not public (invariant 1).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, Parameter

from server.accounts import service as accounts
from server.events import service
from server.events.schemas import (
    CampaignInput,
    CampaignOut,
    EventInput,
    EventOut,
    EventPage,
)
from server.events.views import member_event, public_event
from server.web import urls
from server.web.apidocs import problem_responses
from server.web.auth import current_organizer, require_organizer

# Public answers may sit in a cache for a minute; anything a member sees must not.
PUBLIC_CACHE = {"Cache-Control": "public, max-age=60"}
NO_STORE = {"Cache-Control": "no-store"}
_DESCRIPTIONS = {
    400: "The body or a parameter does not match the schema",
    401: "Not signed in, or the API token is invalid or revoked",
    403: "Your role may not do this (viewers read only), or the CSRF header is missing",
    404: "Not found, or not visible to you",
    409: "Conflicts with the event's state (e.g. cancelling a draft)",
    422: "Invalid input; `errors` names each field",
}
READ = (400, 401, 404)
WRITE = (400, 401, 403, 404, 422)


def _problems(*codes: int) -> dict[int, ResponseSpec]:
    return problem_responses(_DESCRIPTIONS, codes)


def _member_out(request: Request[Any, Any, Any], row: dict[str, Any]) -> EventOut:
    return member_event(row, urls.base_url(request))


def _campaign_out(row: dict[str, Any]) -> CampaignOut:
    return CampaignOut(
        id=row["id"],
        organization_id=row["organization"],
        title=row["title"],
        description=row["description"],
    )


class EventController(Controller):
    path = "/api/v1"
    tags = ["events"]

    @get("/events/{event_id:uuid}", summary="One event", responses=_problems(*READ))
    async def get_event(
        self, request: Request[Any, Any, Any], event_id: FromPath[UUID]
    ) -> Response[EventOut]:
        """The event as its viewer may see it: the full record for members of its
        organization; for everyone else the public shape, or 404 if it is not public."""
        viewer = await current_organizer(request)
        found = await service.visible_event(viewer, event_id)
        if found.is_member:
            return Response(_member_out(request, found.row), headers=NO_STORE)
        body = public_event(found.row, urls.base_url(request))
        headers = PUBLIC_CACHE if viewer is None else NO_STORE
        return Response(body, headers=headers)

    @get(
        "/organizations/{org_id:uuid}/events",
        summary="An organization's events",
        responses=_problems(*READ),
    )
    async def list_events(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[UUID],
        page: int = Parameter(default=1, ge=1, le=10_000),
        per_page: int = Parameter(default=50, ge=1, le=200),
    ) -> Response[EventPage]:
        """Members see every event (drafts too); others see the upcoming published
        public events of an approved organization (404 if it is not approved)."""
        viewer = await current_organizer(request)
        offset = (page - 1) * per_page
        role = await accounts.membership_role(viewer, org_id)
        if role is not None:
            rows = await service.organization_events(
                viewer, org_id, limit=per_page + 1, offset=offset
            )
            items = [_member_out(request, r) for r in rows[:per_page]]
            headers = NO_STORE
        else:
            rows = await service.public_organization_events(
                org_id, limit=per_page + 1, offset=offset
            )
            items = [public_event(r, urls.base_url(request)) for r in rows[:per_page]]
            headers = PUBLIC_CACHE if viewer is None else NO_STORE
        body = EventPage(items=items, page=page, per_page=per_page, has_next=len(rows) > per_page)
        return Response(body, headers=headers)

    @post(
        "/organizations/{org_id:uuid}/events",
        guards=[require_organizer],
        status_code=201,
        summary="Create a draft event",
        responses=_problems(*WRITE),
    )
    async def create_event(
        self, request: Request[Any, Any, Any], org_id: FromPath[UUID], data: JSONBody[EventInput]
    ) -> Response[EventOut]:
        """Times without an offset are read in ``timezone`` (default: the city's zone).
        Needs the organizer role; 422 names every invalid field."""
        row = await service.create_event(await current_organizer(request), org_id, data)
        return Response(_member_out(request, row), status_code=201, headers=NO_STORE)

    @put(
        "/events/{event_id:uuid}",
        guards=[require_organizer],
        summary="Replace an event",
        responses=_problems(*WRITE),
    )
    async def update_event(
        self, request: Request[Any, Any, Any], event_id: FromPath[UUID], data: JSONBody[EventInput]
    ) -> Response[EventOut]:
        """Replaces every editable field. ``sequence`` grows when a calendar would see
        the change (time, place, title, description, status)."""
        row = await service.update_event(await current_organizer(request), event_id, data)
        return Response(_member_out(request, row), headers=NO_STORE)

    @post(
        "/events/{event_id:uuid}/publish",
        guards=[require_organizer],
        status_code=200,
        summary="Publish an event",
        responses=_problems(401, 403, 404),
    )
    async def publish(
        self, request: Request[Any, Any, Any], event_id: FromPath[UUID]
    ) -> Response[EventOut]:
        row = await service.publish_event(await current_organizer(request), event_id)
        return Response(_member_out(request, row), headers=NO_STORE)

    @post(
        "/events/{event_id:uuid}/cancel",
        guards=[require_organizer],
        status_code=200,
        summary="Cancel a published event",
        responses=_problems(401, 403, 404, 409),
    )
    async def cancel(
        self, request: Request[Any, Any, Any], event_id: FromPath[UUID]
    ) -> Response[EventOut]:
        """The event stays visible, marked cancelled; 409 for a draft."""
        row = await service.cancel_event(await current_organizer(request), event_id)
        return Response(_member_out(request, row), headers=NO_STORE)

    @post(
        "/events/{event_id:uuid}/duplicate",
        guards=[require_organizer],
        status_code=201,
        summary="Copy an event as a new draft",
        responses=_problems(401, 403, 404),
    )
    async def duplicate(
        self, request: Request[Any, Any, Any], event_id: FromPath[UUID]
    ) -> Response[EventOut]:
        row = await service.duplicate_event(await current_organizer(request), event_id)
        return Response(_member_out(request, row), status_code=201, headers=NO_STORE)


class CampaignController(Controller):
    path = "/api/v1/organizations/{org_id:uuid}/campaigns"
    tags = ["campaigns"]

    @get("/", summary="An organization's campaigns", responses=_problems(*READ))
    async def list_campaigns(
        self, request: Request[Any, Any, Any], org_id: FromPath[UUID]
    ) -> Response[list[CampaignOut]]:
        """Anyone may list an approved organization's campaigns; before approval, members only."""
        viewer = await current_organizer(request)
        rows = await service.campaigns_of(viewer, org_id)
        headers = PUBLIC_CACHE if viewer is None else NO_STORE
        return Response([_campaign_out(r) for r in rows], headers=headers)

    @post(
        "/",
        guards=[require_organizer],
        status_code=201,
        summary="Create a campaign",
        responses=_problems(*WRITE),
    )
    async def create_campaign(
        self, request: Request[Any, Any, Any], org_id: FromPath[UUID], data: JSONBody[CampaignInput]
    ) -> Response[CampaignOut]:
        row = await service.create_campaign(await current_organizer(request), org_id, data)
        return Response(_campaign_out(row), status_code=201, headers=NO_STORE)


ROUTES: list[Any] = [EventController, CampaignController]
