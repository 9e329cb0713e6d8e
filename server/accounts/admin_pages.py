"""Admins' pages: approving organizations (vetting, with a note of why)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from server.accounts import approvals
from server.accounts.pages import form_fields, see_other
from server.accounts.service import OrganizerView
from server.errors import NotFound
from server.web.auth import current_organizer
from server.web.forms import submit
from server.web.templates import render_page


class AdminPages(Controller):
    """Approving organizations. Anyone but an admin gets 404: the page is not advertised."""

    include_in_schema = False

    async def _admin(self, request: Request[Any, Any, Any]) -> OrganizerView:
        viewer = await current_organizer(request)
        if viewer is None or not viewer.is_admin:
            raise NotFound()
        return viewer

    @get("/admin")
    async def admin(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return await self._page(request, await self._admin(request))

    async def _page(
        self, request: Request[Any, Any, Any], viewer: OrganizerView, **context: Any
    ) -> Response[Any]:
        pending = await approvals.pending_organizations()
        owners = await approvals.pending_owners([o.id for o in pending])
        return render_page(
            request, "accounts/admin.html", viewer, pending=pending, owners=owners, **context
        )

    @post("/admin/orgs/{org_id:uuid}/approve")
    async def approve(
        self, request: Request[Any, Any, Any], org_id: FromPath[UUID]
    ) -> Response[Any]:
        viewer = await self._admin(request)
        values = await form_fields(request, "note")
        return await submit(
            lambda: approvals.approve_organization(viewer, org_id, values["note"]),
            done=lambda _: see_other("/admin"),
            invalid=lambda errors: self._page(
                request, viewer, errors=errors, values=values, failed=org_id
            ),
        )


ROUTES: list[Any] = [AdminPages]
