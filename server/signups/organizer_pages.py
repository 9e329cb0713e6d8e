"""Organizer pages: attendees (filters, counts, CSV, approve/decline/remove/block), the
phone check-in page, and shifts.

Members of the event's organization only (404 for anyone else, invariant 1); viewers
read, organizers act. Every page is private (``no-store``). Forms post back and answer
303, or 422 with the form and its errors; the check-in buttons also work with htmx
(the answer is the refreshed list, counts included).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from server.accounts import audit
from server.accounts.pages import OrganizerController, safe_next, see_other
from server.accounts.service import OrganizerView
from server.errors import Conflict, NotFound
from server.events import service as events
from server.i18n import N_
from server.signups import anomalies, audit_trail, forms, roster, shifts
from server.web.auth import SignedIn
from server.web.forms import submit, text_values
from server.web.templates import render_page

_ACTIONS = set(roster.ACTIONS)


class OrganizerSignupPages(OrganizerController):
    path = "/organizer"

    @get("/events/{event_id:uuid}/attendees")
    async def attendees(
        self,
        request: Request[Any, Any, Any],
        viewer: SignedIn,
        event_id: FromPath[UUID],
        status: FromQuery[str] = "",
        shift: FromQuery[str] = "",
        q: FromQuery[str] = "",
    ) -> Response[Any]:
        view = await roster.roster(viewer, event_id, status=status, shift=shift, query=q[:100])
        detail = audit_trail.describe(view, status=status, shift=shift, searched=bool(q.strip()))
        await audit_trail.viewed(viewer, view, "attendees.viewed", detail)
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        hints = await anomalies.hints(view.event)  # sensitive events only; never blocks
        return render_page(
            request,
            "signups/attendees.html",
            viewer,
            view=view,
            hints=hints,
            flagged=anomalies.flagged(hints),
            filters={"status": status, "shift": shift, "q": q[:100]},
            here=here,
        )

    @post("/events/{event_id:uuid}/attendees/export.csv", status_code=200)
    async def export(
        self, request: Request[Any, Any, Any], viewer: SignedIn, event_id: FromPath[UUID]
    ) -> Response[str]:
        """A POST (with the CSRF token), not a link: an export is logged and emails every
        owner, and a link on another site must not be able to set off that alarm."""
        form = await request.form()
        status, shift = str(form.get("status") or "")[:20], str(form.get("shift") or "")[:40]
        view = await roster.roster(viewer, event_id, status=status, shift=shift)
        detail = audit_trail.describe(view, status=status, shift=shift)
        await audit_trail.exported(viewer, view, detail, api=False)  # and emails the owners
        return Response(
            # A byte-order mark makes spreadsheet apps read the file as UTF-8.
            "\ufeff" + roster.csv_text(view),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="attendees-{event_id}.csv"',
                "Cache-Control": "no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @post("/signups/{signup_id:uuid}/{action:str}")
    async def act(
        self,
        request: Request[Any, Any, Any],
        viewer: SignedIn,
        signup_id: FromPath[UUID],
        action: FromPath[str],
    ) -> Response[Any]:
        if action not in _ACTIONS:
            raise NotFound(N_("No such action"))
        form = await request.form()
        row = await roster.act(viewer, signup_id, action)
        if getattr(request, "htmx", None) and form.get("view") == "checkin":
            return await self._checkin(request, viewer, row["event"], str(form.get("q") or ""))
        fallback = f"/organizer/events/{row['event']}/attendees"
        target = safe_next(str(form.get("next") or "")) or fallback
        if not target.startswith("/organizer/"):
            target = fallback
        return see_other(target)

    # --- check-in ----------------------------------------------------------------------------

    @get("/events/{event_id:uuid}/checkin")
    async def checkin(
        self,
        request: Request[Any, Any, Any],
        viewer: SignedIn,
        event_id: FromPath[UUID],
        q: FromQuery[str] = "",
    ) -> Response[Any]:
        return await self._checkin(request, viewer, event_id, q[:100], audited=True)

    async def _checkin(
        self,
        request: Request[Any, Any, Any],
        viewer: OrganizerView,
        event_id: UUID,
        q: str,
        audited: bool = False,
    ) -> Response[Any]:
        view = await roster.roster(viewer, event_id, query=q)
        if audited:  # a page or search; the answer to a check-in button is logged as that
            detail = audit_trail.describe(view, searched=bool(q.strip()))
            await audit_trail.viewed(viewer, view, "checkin.viewed", detail)
        # Who can be checked in, or was: going and checked-in people, not blocked, not gone.
        people = [
            r
            for r in view.items
            if r["status"] in ("going", "checked_in") and not r["blocked"] and not r["deleted"]
        ]
        return render_page(
            request,
            "signups/checkin.html",
            viewer,
            fragment="partials/signups/checkin_results.html",
            view=view,
            people=people,
            q=q,
        )

    # --- shifts --------------------------------------------------------------------------------

    @get("/events/{event_id:uuid}/shifts")
    async def shift_list(
        self, request: Request[Any, Any, Any], viewer: SignedIn, event_id: FromPath[UUID]
    ) -> Response[Any]:
        return await self._shifts(request, viewer, event_id)

    async def _shifts(
        self,
        request: Request[Any, Any, Any],
        viewer: OrganizerView,
        event_id: UUID,
        *,
        status_code: int = 200,
        **context: Any,
    ) -> Response[Any]:
        view = await roster.roster(viewer, event_id)
        return render_page(
            request,
            "signups/shifts.html",
            viewer,
            status_code=status_code,
            view=view,
            **context,
        )

    @post("/events/{event_id:uuid}/shifts")
    async def shift_create(
        self, request: Request[Any, Any, Any], viewer: SignedIn, event_id: FromPath[UUID]
    ) -> Response[Any]:
        event = await events.event_for_member(viewer, event_id, "organizer")
        form = await request.form()
        values = text_values(form, forms.SHIFT_FIELDS)
        data, errors = forms.parse_shift(values, [])
        return await submit(
            lambda: shifts.create_shift(viewer, event_id, data),
            done=lambda _: see_other(f"/organizer/events/{event_id}/shifts"),
            invalid=lambda errors: self._shifts(
                request, viewer, event_id, values=values, errors=errors
            ),
            errors=errors,
            check=lambda: shifts.clean_shift(data, event),
        )

    @get("/shifts/{shift_id:uuid}/edit")
    async def shift_form(
        self, request: Request[Any, Any, Any], viewer: SignedIn, shift_id: FromPath[UUID]
    ) -> Response[Any]:
        shift, event = await shifts.for_member(viewer, shift_id)
        return await self._shift_form(
            request, viewer, shift, event, forms.shift_values(shift, event["timezone"]), {}
        )

    async def _shift_form(
        self,
        request: Request[Any, Any, Any],
        viewer: OrganizerView,
        shift: dict[str, Any],
        event: dict[str, Any],
        values: dict[str, str],
        errors: dict[str, str],
        moving: list[str] | None = None,
    ) -> Response[Any]:
        taking = await shifts.going_in(shift["id"])
        if taking:  # the form lists who is going (to pick who moves): attendee data
            await audit.record(
                event["organization"], viewer, "shift.viewed", shift["role"],
                f"{len(taking)} going listed", subject_id=shift["id"], coalesce=True,
            )  # fmt: skip
        return render_page(
            request,
            "signups/shift_form.html",
            viewer,
            shift=shift,
            event=event,
            values=values,
            errors=errors,
            taking=taking,
            moving=set(moving or []),
        )

    @post("/shifts/{shift_id:uuid}/edit")
    async def shift_update(
        self, request: Request[Any, Any, Any], viewer: SignedIn, shift_id: FromPath[UUID]
    ) -> Response[Any]:
        shift, event = await shifts.for_member(viewer, shift_id)
        form = await request.form()
        values = text_values(form, forms.SHIFT_FIELDS)
        moving = [str(v) for v in form.getall("move_to_waitlist", [])]
        data, errors = forms.parse_shift(values, moving)
        return await submit(
            lambda: shifts.update_shift(viewer, shift_id, data),
            done=lambda _: see_other(f"/organizer/events/{event['id']}/shifts"),
            invalid=lambda errors: self._shift_form(
                request, viewer, shift, event, values, errors, moving
            ),
            errors=errors,
            check=lambda: shifts.clean_shift(data, event),
        )

    @post("/shifts/{shift_id:uuid}/delete")
    async def shift_delete(
        self, request: Request[Any, Any, Any], viewer: SignedIn, shift_id: FromPath[UUID]
    ) -> Response[Any]:
        _, event = await shifts.for_member(viewer, shift_id)
        try:
            await shifts.delete_shift(viewer, shift_id)
        except Conflict as exc:
            return await self._shifts(
                request, viewer, event["id"], status_code=409, problem=exc.detail
            )
        return see_other(f"/organizer/events/{event['id']}/shifts")


ROUTES: list[Any] = [OrganizerSignupPages]
