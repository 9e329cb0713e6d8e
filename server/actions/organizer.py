"""Organizer pages for actions: list and order, the task form, targets, results and CSV.

Forms post back to their own URL: bad input shows the form again with status 422, inline
errors and the input kept; success answers 303. Like the other organizer pages they carry
``hx-boost="false"`` and work without JavaScript. Every page is ``no-store`` (invariant 5).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from server.accounts.pages import OrganizerController, see_other
from server.accounts.service import OrganizerView
from server.actions import completions, forms, results, service
from server.actions import targets as target_service
from server.events import service as events
from server.web.auth import SignedIn
from server.web.forms import submit, text_values
from server.web.templates import render_page


def _target_form(
    request: Request[Any, Any, Any],
    viewer: OrganizerView,
    task: dict[str, Any],
    target: dict[str, Any],
    values: dict[str, str],
    errors: dict[str, str] | None = None,
) -> Response[Any]:
    """A target's edit form, as stored or as sent back with its errors."""
    return render_page(
        request,
        "actions/target_form.html",
        viewer,
        task=task,
        target=target,
        values=values,
        errors=errors or {},
        **_choices(),
    )


async def _task_and_campaign(
    viewer: OrganizerView, task_id: UUID
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A task the viewer may edit (404/403 otherwise) and its campaign."""
    task = await service.task_for_member(viewer, task_id, "organizer")
    return task, await service.campaign_for_member(viewer, task["campaign"])


def _choices() -> dict[str, Any]:
    return {
        "kinds": service.KINDS,
        "countries": service.country_choices(),
        "country_name": service.country_name,
    }


class OrganizerActionPages(OrganizerController):
    path = "/organizer"

    @get("/campaigns/{campaign_id:uuid}/actions")
    async def manage(
        self, request: Request[Any, Any, Any], viewer: SignedIn, campaign_id: FromPath[UUID]
    ) -> Response[Any]:
        campaign = await service.campaign_for_member(viewer, campaign_id)
        access = await service.campaign_access(viewer, campaign_id)
        tasks = await service.campaign_tasks(viewer, campaign_id, include_archived=True)
        counts = await completions.counts_by_task([t["id"] for t in tasks])
        targets = await target_service.targets_of([t["id"] for t in tasks])
        return render_page(
            request,
            "actions/manage.html",
            viewer,
            campaign=campaign,
            can_edit=access.can_edit,
            tasks=tasks,
            counts=counts,
            targets=targets,
        )

    async def _task_form(
        self,
        request: Request[Any, Any, Any],
        viewer: OrganizerView,
        campaign: dict[str, Any],
        *,
        action: str,
        values: dict[str, str],
        errors: dict[str, str] | None = None,
        task: dict[str, Any] | None = None,
        target_values: dict[str, str] | None = None,
        target_errors: dict[str, str] | None = None,
    ) -> Response[Any]:
        org_events = await events.organization_events(viewer, campaign["organization"])
        targets = (await target_service.targets_of([task["id"]]))[task["id"]] if task else []
        return render_page(
            request,
            "actions/task_form.html",
            viewer,
            campaign=campaign,
            task=task,
            action=action,
            values=values,
            errors=errors or {},
            events=org_events,
            targets=targets,
            target_values=target_values or {"country": ""},
            target_errors=target_errors or {},
            **_choices(),
        )

    @get("/campaigns/{campaign_id:uuid}/actions/new")
    async def new_task(
        self, request: Request[Any, Any, Any], viewer: SignedIn, campaign_id: FromPath[UUID]
    ) -> Response[Any]:
        campaign = await service.campaign_for_member(viewer, campaign_id, "organizer")
        return await self._task_form(
            request,
            viewer,
            campaign,
            action=f"/organizer/campaigns/{campaign_id}/actions/new",
            values={"kind": "call"},
        )

    async def _save_task(
        self,
        request: Request[Any, Any, Any],
        viewer: OrganizerView,
        campaign: dict[str, Any],
        task: dict[str, Any] | None,
        action: str,
    ) -> Response[Any]:
        values = text_values(await request.form(), forms.TASK_FIELDS)
        data, errors = forms.parse_task(values)

        async def save() -> str:
            """Where to go next: a new task's own form (to add targets), else the list."""
            if task is None:
                created = await service.create_task(viewer, campaign["id"], data)
                return f"/organizer/actions/{created['id']}/edit"
            await service.update_task(viewer, task["id"], data)
            return f"/organizer/campaigns/{campaign['id']}/actions"

        return await submit(
            save,
            done=see_other,
            invalid=lambda errors: self._task_form(
                request, viewer, campaign, action=action, values=values, errors=errors, task=task
            ),
            errors=errors,
            check=lambda: service.clean_task(viewer, data, campaign["organization"]),
        )

    @post("/campaigns/{campaign_id:uuid}/actions/new")
    async def create_task(
        self, request: Request[Any, Any, Any], viewer: SignedIn, campaign_id: FromPath[UUID]
    ) -> Response[Any]:
        campaign = await service.campaign_for_member(viewer, campaign_id, "organizer")
        action = f"/organizer/campaigns/{campaign_id}/actions/new"
        return await self._save_task(request, viewer, campaign, None, action)

    @get("/actions/{task_id:uuid}/edit")
    async def edit_task(
        self, request: Request[Any, Any, Any], viewer: SignedIn, task_id: FromPath[UUID]
    ) -> Response[Any]:
        task, campaign = await _task_and_campaign(viewer, task_id)
        return await self._task_form(
            request,
            viewer,
            campaign,
            action=f"/organizer/actions/{task_id}/edit",
            values=forms.task_values(task),
            task=task,
        )

    @post("/actions/{task_id:uuid}/edit")
    async def update_task(
        self, request: Request[Any, Any, Any], viewer: SignedIn, task_id: FromPath[UUID]
    ) -> Response[Any]:
        task, campaign = await _task_and_campaign(viewer, task_id)
        action = f"/organizer/actions/{task_id}/edit"
        return await self._save_task(request, viewer, campaign, task, action)

    @post("/actions/{task_id:uuid}/targets")
    async def add_target(
        self, request: Request[Any, Any, Any], viewer: SignedIn, task_id: FromPath[UUID]
    ) -> Response[Any]:
        task = await service.task_for_member(viewer, task_id, "organizer")
        values = text_values(await request.form(), forms.TARGET_FIELDS)

        async def invalid(errors: dict[str, str]) -> Response[Any]:
            """The task's form again, the errors by the target form (the task's are fine)."""
            campaign = await service.campaign_for_member(viewer, task["campaign"])
            return await self._task_form(
                request,
                viewer,
                campaign,
                action=f"/organizer/actions/{task_id}/edit",
                values=forms.task_values(task),
                task=task,
                target_values=values,
                target_errors=errors,
            )

        return await submit(
            lambda: target_service.add_target(viewer, task_id, forms.parse_target(values)),
            done=lambda _: see_other(f"/organizer/actions/{task_id}/edit#targets"),
            invalid=invalid,
        )

    @get("/targets/{target_id:uuid}/edit")
    async def edit_target(
        self, request: Request[Any, Any, Any], viewer: SignedIn, target_id: FromPath[UUID]
    ) -> Response[Any]:
        target, task = await target_service.target_for_member(viewer, target_id)
        return _target_form(request, viewer, task, target, forms.target_values(target))

    @post("/targets/{target_id:uuid}/edit")
    async def update_target(
        self, request: Request[Any, Any, Any], viewer: SignedIn, target_id: FromPath[UUID]
    ) -> Response[Any]:
        target, task = await target_service.target_for_member(viewer, target_id)
        values = text_values(await request.form(), forms.TARGET_FIELDS)
        return await submit(
            lambda: target_service.update_target(viewer, target_id, forms.parse_target(values)),
            done=lambda _: see_other(f"/organizer/actions/{task['id']}/edit#targets"),
            invalid=lambda errors: _target_form(request, viewer, task, target, values, errors),
        )

    @post("/targets/{target_id:uuid}/delete")
    async def delete_target(
        self, request: Request[Any, Any, Any], viewer: SignedIn, target_id: FromPath[UUID]
    ) -> Response[Any]:
        task_id = await target_service.delete_target(viewer, target_id)
        return see_other(f"/organizer/actions/{task_id}/edit#targets")

    async def _after(self, viewer: OrganizerView, task_id: UUID) -> Response[Any]:
        task = await service.task_for_member(viewer, task_id)
        return see_other(f"/organizer/campaigns/{task['campaign']}/actions#task-{task_id}")

    @post(["/actions/{task_id:uuid}/archive", "/actions/{task_id:uuid}/unarchive"])
    async def archive(
        self, request: Request[Any, Any, Any], viewer: SignedIn, task_id: FromPath[UUID]
    ) -> Response[Any]:
        archived = not request.url.path.endswith("/unarchive")
        await service.set_archived(viewer, task_id, archived)
        return await self._after(viewer, task_id)

    @post("/actions/{task_id:uuid}/move")
    async def move(
        self, request: Request[Any, Any, Any], viewer: SignedIn, task_id: FromPath[UUID]
    ) -> Response[Any]:
        form = await request.form()
        await service.move(viewer, task_id, -1 if form.get("direction") == "up" else 1)
        return await self._after(viewer, task_id)

    @get("/campaigns/{campaign_id:uuid}/actions/results")
    async def results_page(
        self,
        request: Request[Any, Any, Any],
        viewer: SignedIn,
        campaign_id: FromPath[UUID],
        page: FromQuery[int] = 1,
    ) -> Response[Any]:
        context = await results.page_context(viewer, campaign_id, max(1, min(page, 100_000)))
        return render_page(request, "actions/results.html", viewer, **context)

    @get("/campaigns/{campaign_id:uuid}/actions/results.csv")
    async def results_csv(
        self, request: Request[Any, Any, Any], viewer: SignedIn, campaign_id: FromPath[UUID]
    ) -> Response[Any]:
        return await results.csv_response(viewer, campaign_id)
