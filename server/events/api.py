"""JSON API for one event and an organization's events and campaigns (organizer side).

The public list and nearby search (``GET /api/v1/events``) live in ``search.py``.
Members of the owning organization get the full record; everyone else gets the
public shape (invariant 2) or a 404 for anything that is not public (invariant 1).
Public answers to anonymous readers may be cached for a minute; the rest are no-store.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post, put
from litestar.params import FromPath, JSONBody, Parameter

from server.accounts import service as accounts
from server.events import (
    campaign_translation_api,
    campaign_translations,
    service,
    translation_api,
    translations,
)
from server.events.schemas import (
    CampaignInput,
    CampaignOut,
    EventInput,
    EventOut,
    EventPage,
)
from server.events.views import member_event, public_event
from server.web import urls
from server.web.api import ApiController, page_window, public_cache
from server.web.apidocs import READ, WRITE, problems
from server.web.auth import SignedIn, Viewer, require_organizer


def _member_out(request: Request[Any, Any, Any], row: dict[str, Any]) -> EventOut:
    return member_event(row, urls.base_url(request))


def _campaign_out(row: dict[str, Any]) -> CampaignOut:
    shown = row.get("language") or "en"  # after ``localize``: the reader's when translated
    return CampaignOut(
        id=row["id"],
        organization_id=row["organization"],
        title=row["title"],
        description=row["description"],
        language=shown,
        original_language=row.get("original_language") or shown,
    )


class EventController(ApiController):
    tags = ["events"]

    @get("/events/{event_id:uuid}", summary="One event", responses=problems(*READ))
    async def get_event(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        event_id: FromPath[UUID],
    ) -> Response[EventOut]:
        """The event as its viewer may see it: the full record for members of its
        organization; for everyone else the public shape, or 404 if it is not public."""
        found = await service.visible_event(viewer, event_id)
        if found.is_member:
            return Response(_member_out(request, found.row))
        await translations.attach([found.row])
        body = public_event(found.row, urls.base_url(request))
        return Response(body, headers=public_cache(viewer))

    @get(
        "/organizations/{org_id:uuid}/events",
        summary="An organization's events",
        responses=problems(*READ),
    )
    async def list_events(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        org_id: FromPath[UUID],
        page: int = Parameter(default=1, ge=1, le=10_000),
        per_page: int = Parameter(default=50, ge=1, le=200),
    ) -> Response[EventPage]:
        """Members see every event (drafts too); others see the upcoming published
        public events of an approved organization (404 if it is not approved)."""
        window = page_window(page, per_page)
        if await accounts.membership_role(viewer, org_id) is not None:
            rows = await service.organization_events(viewer, org_id, **window)
            items = [_member_out(request, r) for r in rows[:per_page]]
            headers: dict[str, str] = {}
        else:
            rows = await translations.attach(
                await service.public_organization_events(org_id, **window)
            )
            items = [public_event(r, urls.base_url(request)) for r in rows[:per_page]]
            headers = public_cache(viewer)
        body = EventPage(items=items, page=page, per_page=per_page, has_next=len(rows) > per_page)
        return Response(body, headers=headers)

    @post(
        "/organizations/{org_id:uuid}/events",
        guards=[require_organizer],
        status_code=201,
        summary="Create a draft event",
        responses=problems(*WRITE),
    )
    async def create_event(
        self,
        request: Request[Any, Any, Any],
        organizer: SignedIn,
        org_id: FromPath[UUID],
        data: JSONBody[EventInput],
    ) -> EventOut:
        """Times without an offset are read in ``timezone`` (default: the city's zone).
        Needs the organizer role; 422 names every invalid field."""
        return _member_out(request, await service.create_event(organizer, org_id, data))

    @put(
        "/events/{event_id:uuid}",
        guards=[require_organizer],
        summary="Replace an event",
        responses=problems(*WRITE),
    )
    async def update_event(
        self,
        request: Request[Any, Any, Any],
        organizer: SignedIn,
        event_id: FromPath[UUID],
        data: JSONBody[EventInput],
    ) -> EventOut:
        """Replaces every editable field. ``sequence`` grows when a calendar would see
        the change (time, place, title, description, status)."""
        return _member_out(request, await service.update_event(organizer, event_id, data))

    @post(
        "/events/{event_id:uuid}/publish",
        guards=[require_organizer],
        status_code=200,
        summary="Publish an event",
        responses=problems(401, 403, 404),
    )
    async def publish(
        self, request: Request[Any, Any, Any], organizer: SignedIn, event_id: FromPath[UUID]
    ) -> EventOut:
        return _member_out(request, await service.publish_event(organizer, event_id))

    @post(
        "/events/{event_id:uuid}/cancel",
        guards=[require_organizer],
        status_code=200,
        summary="Cancel a published event",
        responses=problems(
            401,
            403,
            404,
            409,
            conflict="Conflicts with the event's state (e.g. cancelling a draft)",
        ),
    )
    async def cancel(
        self, request: Request[Any, Any, Any], organizer: SignedIn, event_id: FromPath[UUID]
    ) -> EventOut:
        """The event stays visible, marked cancelled; 409 for a draft."""
        return _member_out(request, await service.cancel_event(organizer, event_id))

    @post(
        "/events/{event_id:uuid}/duplicate",
        guards=[require_organizer],
        status_code=201,
        summary="Copy an event as a new draft",
        responses=problems(401, 403, 404),
    )
    async def duplicate(
        self, request: Request[Any, Any, Any], organizer: SignedIn, event_id: FromPath[UUID]
    ) -> EventOut:
        return _member_out(request, await service.duplicate_event(organizer, event_id))


class CampaignController(ApiController):
    path = "/api/v1/organizations/{org_id:uuid}/campaigns"
    tags = ["campaigns"]

    @get("/", summary="An organization's campaigns", responses=problems(*READ))
    async def list_campaigns(
        self, viewer: Viewer, org_id: FromPath[UUID]
    ) -> Response[list[CampaignOut]]:
        """Anyone may list an approved organization's campaigns; before approval, members only."""
        rows = await service.campaigns_of(viewer, org_id)
        if await accounts.membership_role(viewer, org_id) is None:
            rows = await campaign_translations.localize(rows)  # members read the original
        return Response([_campaign_out(r) for r in rows], headers=public_cache(viewer))

    @post(
        "/",
        guards=[require_organizer],
        status_code=201,
        summary="Create a campaign",
        responses=problems(*WRITE),
    )
    async def create_campaign(
        self, organizer: SignedIn, org_id: FromPath[UUID], data: JSONBody[CampaignInput]
    ) -> CampaignOut:
        return _campaign_out(await service.create_campaign(organizer, org_id, data))


ROUTES: list[Any] = [
    EventController,
    CampaignController,
    *translation_api.ROUTES,
    *campaign_translation_api.ROUTES,
]
