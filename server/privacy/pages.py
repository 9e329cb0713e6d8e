"""Report a suspicious event (anyone, no login) and the admins' list of open reports."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from server.accounts.pages import form_fields, see_other
from server.events import service as events
from server.privacy import service
from server.web.auth import current_organizer
from server.web.forms import submit
from server.web.ratelimit import enforce
from server.web.templates import render_page

REPORTS_PER_CLIENT_PER_HOUR = 10


class ReportPages(Controller):
    include_in_schema = False

    async def _form(
        self,
        request: Request[Any, Any, Any],
        event_id: UUID,
        **context: Any,
    ) -> Response[Any]:
        found = await events.visible_event(None, event_id)  # 404 unless public
        return render_page(
            request,
            "privacy/report.html",
            await current_organizer(request),
            event_id=event_id,
            event_title=found.row["title"],
            reasons=service.REASONS,
            **context,
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
        return await submit(
            lambda: service.report_event(event_id, values["reason"], values["details"]),
            done=lambda _: see_other(f"/events/{event_id}/report/thanks"),
            invalid=lambda errors: self._form(request, event_id, errors=errors, values=values),
        )

    @get("/events/{event_id:uuid}/report/thanks")
    async def thanks(
        self, request: Request[Any, Any, Any], event_id: FromPath[UUID]
    ) -> Response[Any]:
        viewer = await current_organizer(request)
        return render_page(request, "privacy/report_thanks.html", viewer, event_id=event_id)


class ReportAdminPages(Controller):
    """Admins only; anyone else gets 404 (the page is not advertised)."""

    include_in_schema = False

    @get("/admin/reports")
    async def reports(self, request: Request[Any, Any, Any]) -> Response[Any]:
        viewer = await current_organizer(request)
        rows = await service.open_reports(viewer)
        return render_page(
            request,
            "privacy/admin_reports.html",
            viewer,
            reports=rows,
            reasons=dict(service.REASONS),
        )

    @post("/admin/reports/{report_id:uuid}/handled")
    async def handled(
        self, request: Request[Any, Any, Any], report_id: FromPath[UUID]
    ) -> Response[Any]:
        await service.mark_handled(await current_organizer(request), report_id)
        return see_other("/admin/reports")


ROUTES: list[Any] = [ReportPages, ReportAdminPages]
