"""Report a suspicious event (anyone, no login) and the admins' list of open reports."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from server.accounts.pages import form_fields, see_other
from server.errors import ValidationFailed
from server.events import service as events
from server.privacy import service
from server.web.auth import current_organizer
from server.web.ratelimit import enforce
from server.web.templates import render

REPORTS_PER_CLIENT_PER_HOUR = 10


class ReportPages(Controller):
    include_in_schema = False

    async def _form(
        self,
        request: Request[Any, Any, Any],
        event_id: UUID,
        status_code: int = 200,
        **context: Any,
    ) -> Response[Any]:
        found = await events.visible_event(None, event_id)  # 404 unless public
        return render(
            request,
            "pages/privacy/report.html",
            {
                "viewer": await current_organizer(request),
                "event_id": event_id,
                "event_title": found.row["title"],
                "reasons": service.REASONS,
                "errors": {},
                "values": {},
                **context,
            },
            status_code=status_code,
            private=True,
        )

    @get("/events/{event_id:uuid}/report")
    async def form(
        self, request: Request[Any, Any, Any], event_id: FromPath[UUID]
    ) -> Response[Any]:
        return await self._form(request, event_id)

    @post("/events/{event_id:uuid}/report")
    async def submit(
        self, request: Request[Any, Any, Any], event_id: FromPath[UUID]
    ) -> Response[Any]:
        await enforce(request, "report", limit=REPORTS_PER_CLIENT_PER_HOUR, window_s=3600)
        values = await form_fields(request, "reason", "details")
        try:
            await service.report_event(event_id, values["reason"], values["details"])
        except ValidationFailed as exc:
            return await self._form(
                request, event_id, status_code=422, errors=exc.errors, values=values
            )
        return see_other(f"/events/{event_id}/report/thanks")

    @get("/events/{event_id:uuid}/report/thanks")
    async def thanks(
        self, request: Request[Any, Any, Any], event_id: FromPath[UUID]
    ) -> Response[Any]:
        return render(
            request,
            "pages/privacy/report_thanks.html",
            {"viewer": await current_organizer(request), "event_id": event_id},
            private=True,
        )


class ReportAdminPages(Controller):
    """Admins only; anyone else gets 404 (the page is not advertised)."""

    include_in_schema = False

    @get("/admin/reports")
    async def reports(self, request: Request[Any, Any, Any]) -> Response[Any]:
        viewer = await current_organizer(request)
        rows = await service.open_reports(viewer)
        return render(
            request,
            "pages/privacy/admin_reports.html",
            {"viewer": viewer, "reports": rows, "reasons": dict(service.REASONS)},
            private=True,
        )

    @post("/admin/reports/{report_id:uuid}/handled")
    async def handled(
        self, request: Request[Any, Any, Any], report_id: FromPath[UUID]
    ) -> Response[Any]:
        await service.mark_handled(await current_organizer(request), report_id)
        return see_other("/admin/reports")


ROUTES: list[Any] = [ReportPages, ReportAdminPages]
