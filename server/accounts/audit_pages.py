"""The audit log for owners: ``/organizer/orgs/{id}/audit`` and its API twin.

Owners only (accounts/audit.py ``entries``): another organization's log is 404, a
member below owner gets 403, an anonymous visitor the login page (API: 401). Pages
are private (no-store): the log names organizers and what they looked at. Newest first;
"Older" follows a ``before`` cursor (a time), so new entries never shift the pages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlencode
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery, QueryParameter

from server.accounts import audit, service
from server.accounts.pages import OrganizerController
from server.errors import NotFound
from server.i18n import N_
from server.web.apidocs import problem_responses
from server.web.auth import SignedIn, current_organizer, require_organizer
from server.web.templates import render_page

Family = Literal[
    "", "attendees", "checkin", "signup", "event", "campaign", "shift", "member", "org", "account"
]
_DESCRIPTIONS = {
    400: "A parameter does not match the schema (``before``, ``limit`` or ``family``)",
    401: "Not signed in, or the API token is invalid or revoked",
    403: "Only owners see the audit log (or the organization requires two-factor sign-in)",
    404: "Not found, or not yours",
}


class AuditEntryOut(msgspec.Struct):
    id: UUID
    created_at: datetime
    last_at: datetime  # the latest repeat of a coalesced view; else created_at
    repeats: int  # how often: views within ten minutes are one entry
    action: str  # family.verb, like attendees.exported or event.updated
    actor_id: UUID | None
    actor_name: str
    via: str  # "" for the web, "API token <name>" for a script
    subject_id: str  # the event, shift or invitation acted on
    subject: str  # its name when it happened (event title, invited email, ...)
    detail: str


class AuditPageOut(msgspec.Struct):
    items: list[AuditEntryOut]
    next_before: datetime | None = msgspec.field(default=None)  # ``before`` of the next page


def _utc(value: datetime | None) -> datetime | None:
    """A time without an offset is read as UTC (stored times are all UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _out(row: dict[str, Any]) -> AuditEntryOut:
    return AuditEntryOut(
        id=row["id"],
        created_at=row["created_at"],
        last_at=row["last_at"],
        repeats=row["repeats"],
        action=row["action"],
        actor_id=row["actor"],
        actor_name=row["actor_name"] or "",
        via=row["via"],
        subject_id=row["subject_id"],
        subject=row["subject"],
        detail=row["detail"],
    )


class AuditPages(OrganizerController):
    @get("/organizer/orgs/{org_id:uuid}/audit")
    async def audit_log(
        self,
        request: Request[Any, Any, Any],
        viewer: SignedIn,
        org_id: FromPath[UUID],
        before: FromQuery[str] = "",
        family: FromQuery[str] = "",
    ) -> Response[Any]:
        try:
            cursor = _utc(datetime.fromisoformat(before)) if before else None
        except ValueError:
            cursor = None  # a mangled link shows the newest entries
        family = family if family in audit.FAMILIES else ""
        found = await audit.entries(viewer, org_id, before=cursor, family=family)
        org = await service.get_organization(org_id)
        if org is None:
            raise NotFound(N_("No such organization"))
        older = None
        if found.next_before is not None:
            query = {"before": found.next_before.isoformat(), "family": family}
            older = f"{request.url.path}?{urlencode({k: v for k, v in query.items() if v})}"
        return render_page(
            request,
            "accounts/audit.html",
            viewer,
            org=org,
            entries=found.entries,
            family=family,
            families=audit.FAMILIES,
            older=older,
            paged=cursor is not None,
        )


class AuditAPI(Controller):
    path = "/api/v1"
    guards = [require_organizer]

    @get(
        "/organizations/{org_id:uuid}/audit",
        tags=["Organizations"],
        summary="The organization's audit log, newest first (owners only)",
        responses=problem_responses(_DESCRIPTIONS, (400, 401, 403, 404)),
    )
    async def audit_log(
        self,
        request: Request[Any, Any, Any],
        org_id: FromPath[UUID],
        before: Annotated[
            datetime | None,
            QueryParameter(description="Entries older than this (``next_before`` of a page)"),
        ] = None,
        limit: Annotated[
            int, QueryParameter(ge=1, le=audit.MAX_LIMIT, description="1 to 200 entries")
        ] = audit.DEFAULT_LIMIT,
        family: Annotated[
            Family, QueryParameter(description="Only one kind of action, e.g. `attendees`")
        ] = "",
    ) -> Response[AuditPageOut]:
        """Who viewed or exported attendee data, changed events and shifts, decided on
        signups, invited or removed members. Repeated views within ten minutes are one
        entry (``repeats``, ``last_at``). Never contains volunteers' personal data."""
        viewer = await current_organizer(request)
        found = await audit.entries(viewer, org_id, before=_utc(before), limit=limit, family=family)
        body = AuditPageOut([_out(r) for r in found.entries], found.next_before)
        return Response(body, headers={"Cache-Control": "no-store"})


ROUTES: list[Any] = [AuditPages, AuditAPI]
