"""JSON API for action tasks and their targets (/api/v1); completions, progress and
results are in ``completions_api.py``.

Public reads answer tasks of approved organizations; members also see archived tasks.
Writes need the organizer role; 422 names each bad field.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from server.actions import completions, service, views
from server.actions import targets as target_service
from server.actions.apidocs import NO_STORE, READ, WRITE, problems
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
from server.web.auth import current_organizer, require_organizer


async def _task_out(request: Request[Any, Any, Any], row: dict[str, Any]) -> TaskOut:
    targets = await target_service.targets_of([row["id"]])
    counts = await completions.counts_by_task([row["id"]])
    event = await service.linked_event(row)
    return views.task_out(
        row, targets[row["id"]], counts.get(row["id"], 0), event, urls.base_url(request)
    )


def _target_out(task: dict[str, Any], row: dict[str, Any]) -> TargetOut:
    return views.target_out(task, row)


class TaskController(Controller):
    path = "/api/v1"
    tags = ["actions"]

    @get(
        "/campaigns/{campaign_id:uuid}/tasks",
        summary="A campaign's actions",
        responses=problems(*READ, 422),  # 422: an unknown country
    )
    async def list_tasks(
        self,
        request: Request[Any, Any, Any],
        campaign_id: FromPath[UUID],
        country: Annotated[
            str | None,
            QueryParameter(description="ISO-2: only actions (and targets) for this country"),
        ] = None,
        include_archived: Annotated[
            bool, QueryParameter(description="members only: archived actions too")
        ] = False,
    ) -> Response[list[TaskOut]]:
        """Live actions in order, each with its targets and count. With ``country``,
        only the actions a volunteer there can do, each with that country's target (or
        the "any" one). Members may ask for archived actions too."""
        viewer = await current_organizer(request)
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
        return Response(out, headers=NO_STORE)

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
        campaign_id: FromPath[UUID],
        data: JSONBody[TaskInput],
    ) -> Response[TaskOut]:
        """Needs the organizer role. 422 names each bad field (an unknown placeholder in
        ``script`` or ``subject``, an event of another organization...)."""
        row = await service.create_task(await current_organizer(request), campaign_id, data)
        return Response(await _task_out(request, row), status_code=201, headers=NO_STORE)

    @put(
        "/campaigns/{campaign_id:uuid}/tasks/order",
        guards=[require_organizer],
        summary="Order a campaign's actions",
        responses=problems(*WRITE),
    )
    async def order_tasks(
        self,
        request: Request[Any, Any, Any],
        campaign_id: FromPath[UUID],
        data: JSONBody[OrderInput],
    ) -> Response[list[TaskOut]]:
        """``task_ids`` lists every action of the campaign (archived too) once, in order."""
        viewer = await current_organizer(request)
        rows = await service.reorder(viewer, campaign_id, data.task_ids)
        return Response([await _task_out(request, r) for r in rows], headers=NO_STORE)

    @get("/tasks/{task_id:uuid}", summary="One action", responses=problems(*READ))
    async def get_task(
        self, request: Request[Any, Any, Any], task_id: FromPath[UUID]
    ) -> Response[TaskOut]:
        row = await service.visible_task(await current_organizer(request), task_id)
        return Response(await _task_out(request, row), headers=NO_STORE)

    @put(
        "/tasks/{task_id:uuid}",
        guards=[require_organizer],
        summary="Replace an action",
        responses=problems(*WRITE),
    )
    async def update_task(
        self, request: Request[Any, Any, Any], task_id: FromPath[UUID], data: JSONBody[TaskInput]
    ) -> Response[TaskOut]:
        row = await service.update_task(await current_organizer(request), task_id, data)
        return Response(await _task_out(request, row), headers=NO_STORE)

    @post(
        "/tasks/{task_id:uuid}/archive",
        guards=[require_organizer],
        status_code=200,
        summary="Archive an action (hide it from volunteers)",
        responses=problems(401, 403, 404),
    )
    async def archive(
        self, request: Request[Any, Any, Any], task_id: FromPath[UUID]
    ) -> Response[TaskOut]:
        row = await service.set_archived(await current_organizer(request), task_id, True)
        return Response(await _task_out(request, row), headers=NO_STORE)

    @post(
        "/tasks/{task_id:uuid}/unarchive",
        guards=[require_organizer],
        status_code=200,
        summary="Bring an archived action back",
        responses=problems(401, 403, 404),
    )
    async def unarchive(
        self, request: Request[Any, Any, Any], task_id: FromPath[UUID]
    ) -> Response[TaskOut]:
        row = await service.set_archived(await current_organizer(request), task_id, False)
        return Response(await _task_out(request, row), headers=NO_STORE)


class TargetController(Controller):
    path = "/api/v1"
    tags = ["actions"]

    @get("/tasks/{task_id:uuid}/targets", summary="An action's targets", responses=problems(*READ))
    async def list_targets(
        self, request: Request[Any, Any, Any], task_id: FromPath[UUID]
    ) -> Response[list[TargetOut]]:
        task = await service.visible_task(await current_organizer(request), task_id)
        targets = await target_service.targets_of([task_id])
        return Response([_target_out(task, t) for t in targets[task_id]], headers=NO_STORE)

    @post(
        "/tasks/{task_id:uuid}/targets",
        guards=[require_organizer],
        status_code=201,
        summary="Add a target (one per country)",
        responses=problems(*WRITE),
    )
    async def add_target(
        self, request: Request[Any, Any, Any], task_id: FromPath[UUID], data: JSONBody[TargetInput]
    ) -> Response[TargetOut]:
        """``country`` is an ISO-2 code or "any"; ``url`` must be http(s); a call needs
        a phone number, an email task an email address or contact form link."""
        viewer = await current_organizer(request)
        row = await target_service.add_target(viewer, task_id, data)
        task = await service.task_for_member(viewer, task_id)
        return Response(_target_out(task, row), status_code=201, headers=NO_STORE)

    @put(
        "/targets/{target_id:uuid}",
        guards=[require_organizer],
        summary="Replace a target",
        responses=problems(*WRITE),
    )
    async def update_target(
        self,
        request: Request[Any, Any, Any],
        target_id: FromPath[UUID],
        data: JSONBody[TargetInput],
    ) -> Response[TargetOut]:
        viewer = await current_organizer(request)
        row = await target_service.update_target(viewer, target_id, data)
        task = await service.task_for_member(viewer, row["task"])
        return Response(_target_out(task, row), headers=NO_STORE)

    @delete(
        "/targets/{target_id:uuid}",
        guards=[require_organizer],
        status_code=204,
        summary="Remove a target",
        responses=problems(401, 403, 404),
    )
    async def delete_target(
        self, request: Request[Any, Any, Any], target_id: FromPath[UUID]
    ) -> None:
        await target_service.delete_target(await current_organizer(request), target_id)


ROUTES: list[Any] = [TaskController, TargetController, CompletionController]
