"""JSON API for action tasks and their targets (/api/v1); completions, progress and
results are in ``completions_api.py``.

Public reads answer tasks of approved organizations; members also see archived tasks.
Writes need the organizer role; 422 names each bad field.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Request, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from server.actions import completions, service, views
from server.actions import targets as target_service
from server.actions.completions_api import CompletionController
from server.actions.schemas import (
    OrderInput,
    TargetInput,
    TargetOut,
    TaskInput,
    TaskOut,
)
from server.errors import ValidationFailed
from server.web import urls
from server.web.api import ApiController
from server.web.apidocs import READ, WRITE, problems
from server.web.auth import SignedIn, Viewer, require_organizer


async def _task_out(request: Request[Any, Any, Any], row: dict[str, Any]) -> TaskOut:
    targets = await target_service.targets_of([row["id"]])
    counts = await completions.counts_by_task([row["id"]])
    event = await service.linked_event(row)
    return views.task_out(
        row, targets[row["id"]], counts.get(row["id"], 0), event, urls.base_url(request)
    )


def _target_out(task: dict[str, Any], row: dict[str, Any]) -> TargetOut:
    return views.target_out(task, row)


async def _saved_target(organizer: SignedIn, row: dict[str, Any]) -> TargetOut:
    """A target just written, as its writer (a member) sees it."""
    return _target_out(await service.task_for_member(organizer, row["task"]), row)


class TaskController(ApiController):
    tags = ["actions"]

    @get(
        "/campaigns/{campaign_id:uuid}/tasks",
        summary="A campaign's actions",
        responses=problems(*READ, 422),  # 422: an unknown country
    )
    async def list_tasks(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
        campaign_id: FromPath[UUID],
        country: Annotated[
            str | None,
            QueryParameter(description="ISO-2: only actions (and targets) for this country"),
        ] = None,
        include_archived: Annotated[
            bool, QueryParameter(description="members only: archived actions too")
        ] = False,
    ) -> list[TaskOut]:
        """Live actions in order, each with its targets and count. With ``country``,
        only the actions a volunteer there can do, each with that country's target (or
        the "any" one). Members may ask for archived actions too."""
        wanted = None
        if country:
            wanted, problem = service.clean_country(country, allow_any=False)
            if problem:
                raise ValidationFailed({"country": problem})
        rows = await service.campaign_tasks(viewer, campaign_id, include_archived=include_archived)
        ids = [r["id"] for r in rows]
        targets = await target_service.targets_of(ids)
        counts = await completions.counts_by_task(ids)
        out = []
        for row in rows:
            mine = targets[row["id"]]
            if wanted is not None and mine:
                chosen = target_service.target_for_country(mine, wanted)
                if chosen is None:
                    continue
                mine = [chosen]
            event = await service.linked_event(row)
            out.append(
                views.task_out(row, mine, counts.get(row["id"], 0), event, urls.base_url(request))
            )
        return out

    @post(
        "/campaigns/{campaign_id:uuid}/tasks",
        guards=[require_organizer],
        status_code=201,
        summary="Create an action",
        responses=problems(*WRITE),
    )
    async def create_task(
        self,
        request: Request[Any, Any, Any],
        organizer: SignedIn,
        campaign_id: FromPath[UUID],
        data: JSONBody[TaskInput],
    ) -> TaskOut:
        """Needs the organizer role. 422 names each bad field (an unknown placeholder in
        ``script`` or ``subject``, an event of another organization...)."""
        return await _task_out(request, await service.create_task(organizer, campaign_id, data))

    @put(
        "/campaigns/{campaign_id:uuid}/tasks/order",
        guards=[require_organizer],
        summary="Order a campaign's actions",
        responses=problems(*WRITE),
    )
    async def order_tasks(
        self,
        request: Request[Any, Any, Any],
        organizer: SignedIn,
        campaign_id: FromPath[UUID],
        data: JSONBody[OrderInput],
    ) -> list[TaskOut]:
        """``task_ids`` lists every action of the campaign (archived too) once, in order."""
        rows = await service.reorder(organizer, campaign_id, data.task_ids)
        return [await _task_out(request, r) for r in rows]

    @get("/tasks/{task_id:uuid}", summary="One action", responses=problems(*READ))
    async def get_task(
        self, request: Request[Any, Any, Any], viewer: Viewer, task_id: FromPath[UUID]
    ) -> TaskOut:
        return await _task_out(request, await service.visible_task(viewer, task_id))

    @put(
        "/tasks/{task_id:uuid}",
        guards=[require_organizer],
        summary="Replace an action",
        responses=problems(*WRITE),
    )
    async def update_task(
        self,
        request: Request[Any, Any, Any],
        organizer: SignedIn,
        task_id: FromPath[UUID],
        data: JSONBody[TaskInput],
    ) -> TaskOut:
        return await _task_out(request, await service.update_task(organizer, task_id, data))

    @post(
        "/tasks/{task_id:uuid}/archive",
        guards=[require_organizer],
        status_code=200,
        summary="Archive an action (hide it from volunteers)",
        responses=problems(401, 403, 404),
    )
    async def archive(
        self, request: Request[Any, Any, Any], organizer: SignedIn, task_id: FromPath[UUID]
    ) -> TaskOut:
        return await _task_out(request, await service.set_archived(organizer, task_id, True))

    @post(
        "/tasks/{task_id:uuid}/unarchive",
        guards=[require_organizer],
        status_code=200,
        summary="Bring an archived action back",
        responses=problems(401, 403, 404),
    )
    async def unarchive(
        self, request: Request[Any, Any, Any], organizer: SignedIn, task_id: FromPath[UUID]
    ) -> TaskOut:
        return await _task_out(request, await service.set_archived(organizer, task_id, False))


class TargetController(ApiController):
    tags = ["actions"]

    @get("/tasks/{task_id:uuid}/targets", summary="An action's targets", responses=problems(*READ))
    async def list_targets(self, viewer: Viewer, task_id: FromPath[UUID]) -> list[TargetOut]:
        task = await service.visible_task(viewer, task_id)
        targets = await target_service.targets_of([task_id])
        return [_target_out(task, t) for t in targets[task_id]]

    @post(
        "/tasks/{task_id:uuid}/targets",
        guards=[require_organizer],
        status_code=201,
        summary="Add a target (one per country)",
        responses=problems(*WRITE),
    )
    async def add_target(
        self, organizer: SignedIn, task_id: FromPath[UUID], data: JSONBody[TargetInput]
    ) -> TargetOut:
        """``country`` is an ISO-2 code or "any"; ``url`` must be http(s); a call needs
        a phone number, an email task an email address or contact form link."""
        row = await target_service.add_target(organizer, task_id, data)
        return await _saved_target(organizer, row)

    @put(
        "/targets/{target_id:uuid}",
        guards=[require_organizer],
        summary="Replace a target",
        responses=problems(*WRITE),
    )
    async def update_target(
        self, organizer: SignedIn, target_id: FromPath[UUID], data: JSONBody[TargetInput]
    ) -> TargetOut:
        row = await target_service.update_target(organizer, target_id, data)
        return await _saved_target(organizer, row)

    @delete(
        "/targets/{target_id:uuid}",
        guards=[require_organizer],
        status_code=204,
        summary="Remove a target",
        responses=problems(401, 403, 404),
    )
    async def delete_target(self, organizer: SignedIn, target_id: FromPath[UUID]) -> None:
        await target_service.delete_target(organizer, target_id)


ROUTES: list[Any] = [TaskController, TargetController, CompletionController]
