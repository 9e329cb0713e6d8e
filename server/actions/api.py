"""JSON API for action tasks, their targets, completions, progress and results (/api/v1).

Public reads answer tasks of approved organizations; members also see archived tasks.
Completion is idempotent with the ``Idempotency-Key`` header: the first request answers
201, a repeat with the same key 200 with ``replayed: true`` — counted once either way.
From a browser, writes need the ``x-csrftoken`` header like every API write; with a bearer
token they do not.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, Parameter, QueryParameter

from server.accounts.schemas import Problem
from server.actions import completions, service, tie, views
from server.actions.schemas import (
    CompletionInput,
    CompletionOut,
    CompletionPage,
    CountRow,
    DayRow,
    MemberCompletionOut,
    OrderInput,
    ProgressOut,
    ResultsOut,
    TargetInput,
    TargetOut,
    TaskInput,
    TaskOut,
    TaskProgress,
)
from server.errors import ValidationFailed
from server.web.auth import current_organizer, require_organizer
from server.web.errors import PROBLEM_JSON
from server.web.ratelimit import enforce

NO_STORE = {"Cache-Control": "no-store"}
# Completions per client and minute: generous for a phone bank behind one address, low
# enough that nobody inflates a campaign's count by script.
COMPLETION_LIMIT = 60
_DESCRIPTIONS = {
    400: "The body or a parameter does not match the schema",
    401: "Not signed in, or the API token is invalid or revoked",
    403: "Your role may not do this (viewers read only), or the CSRF header is missing",
    404: "Not found, or not visible to you",
    409: "The action is archived",
    422: "Invalid input; `errors` names each field",
    429: "Too many completions from this client; see Retry-After",
}
READ = (400, 401, 404)
HEADER_FIELDS = {"idempotency_key": "Idempotency-Key", "signup_token": "X-Signup-Token"}
WRITE = (400, 401, 403, 404, 422)


def _problems(*codes: int) -> dict[int, ResponseSpec]:
    return {
        code: ResponseSpec(
            data_container=Problem,
            description=_DESCRIPTIONS[code],
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for code in codes
    }


def _base_url(request: Request[Any, Any, Any]) -> str:
    return str(request.app.state.settings.base_url)


async def _task_out(request: Request[Any, Any, Any], row: dict[str, Any]) -> TaskOut:
    targets = await service.targets_of([row["id"]])
    counts = await completions.counts_by_task([row["id"]])
    event = await service.linked_event(row)
    return views.task_out(
        row, targets[row["id"]], counts.get(row["id"], 0), event, _base_url(request)
    )


def _target_out(task: dict[str, Any], row: dict[str, Any]) -> TargetOut:
    return views.target_out(task, row)


class TaskController(Controller):
    path = "/api/v1"
    tags = ["actions"]

    @get(
        "/campaigns/{campaign_id:uuid}/tasks",
        summary="A campaign's actions",
        responses=_problems(*READ),
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
        targets = await service.targets_of(ids)
        counts = await completions.counts_by_task(ids)
        out = []
        for row in rows:
            mine = targets[row["id"]]
            if wanted is not None and mine:
                chosen = service.target_for_country(mine, wanted)
                if chosen is None:
                    continue
                mine = [chosen]
            event = await service.linked_event(row)
            out.append(
                views.task_out(row, mine, counts.get(row["id"], 0), event, _base_url(request))
            )
        return Response(out, headers=NO_STORE)

    @post(
        "/campaigns/{campaign_id:uuid}/tasks",
        guards=[require_organizer],
        status_code=201,
        summary="Create an action",
        responses=_problems(*WRITE),
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
        responses=_problems(*WRITE),
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

    @get("/tasks/{task_id:uuid}", summary="One action", responses=_problems(*READ))
    async def get_task(
        self, request: Request[Any, Any, Any], task_id: FromPath[UUID]
    ) -> Response[TaskOut]:
        row = await service.visible_task(await current_organizer(request), task_id)
        return Response(await _task_out(request, row), headers=NO_STORE)

    @put(
        "/tasks/{task_id:uuid}",
        guards=[require_organizer],
        summary="Replace an action",
        responses=_problems(*WRITE),
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
        responses=_problems(401, 403, 404),
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
        responses=_problems(401, 403, 404),
    )
    async def unarchive(
        self, request: Request[Any, Any, Any], task_id: FromPath[UUID]
    ) -> Response[TaskOut]:
        row = await service.set_archived(await current_organizer(request), task_id, False)
        return Response(await _task_out(request, row), headers=NO_STORE)


class TargetController(Controller):
    path = "/api/v1"
    tags = ["actions"]

    @get("/tasks/{task_id:uuid}/targets", summary="An action's targets", responses=_problems(*READ))
    async def list_targets(
        self, request: Request[Any, Any, Any], task_id: FromPath[UUID]
    ) -> Response[list[TargetOut]]:
        task = await service.visible_task(await current_organizer(request), task_id)
        targets = await service.targets_of([task_id])
        return Response([_target_out(task, t) for t in targets[task_id]], headers=NO_STORE)

    @post(
        "/tasks/{task_id:uuid}/targets",
        guards=[require_organizer],
        status_code=201,
        summary="Add a target (one per country)",
        responses=_problems(*WRITE),
    )
    async def add_target(
        self, request: Request[Any, Any, Any], task_id: FromPath[UUID], data: JSONBody[TargetInput]
    ) -> Response[TargetOut]:
        """``country`` is an ISO-2 code or "any"; ``url`` must be http(s); a call needs
        a phone number, an email task an email address or contact form link."""
        viewer = await current_organizer(request)
        row = await service.add_target(viewer, task_id, data)
        task = await service.task_for_member(viewer, task_id)
        return Response(_target_out(task, row), status_code=201, headers=NO_STORE)

    @put(
        "/targets/{target_id:uuid}",
        guards=[require_organizer],
        summary="Replace a target",
        responses=_problems(*WRITE),
    )
    async def update_target(
        self,
        request: Request[Any, Any, Any],
        target_id: FromPath[UUID],
        data: JSONBody[TargetInput],
    ) -> Response[TargetOut]:
        viewer = await current_organizer(request)
        row = await service.update_target(viewer, target_id, data)
        task = await service.task_for_member(viewer, row["task"])
        return Response(_target_out(task, row), headers=NO_STORE)

    @delete(
        "/targets/{target_id:uuid}",
        guards=[require_organizer],
        status_code=204,
        summary="Remove a target",
        responses=_problems(401, 403, 404),
    )
    async def delete_target(
        self, request: Request[Any, Any, Any], target_id: FromPath[UUID]
    ) -> None:
        await service.delete_target(await current_organizer(request), target_id)


class CompletionController(Controller):
    path = "/api/v1"
    tags = ["actions"]

    @post(
        "/tasks/{task_id:uuid}/completions",
        status_code=201,
        summary="Mark an action done (idempotent)",
        responses={
            200: ResponseSpec(
                data_container=CompletionOut,
                description="Already recorded with this key (or updated for this volunteer)",
            ),
            **_problems(400, 403, 404, 409, 422, 429),
        },
    )
    async def complete(
        self,
        request: Request[Any, Any, Any],
        task_id: FromPath[UUID],
        data: JSONBody[CompletionInput],
        idempotency_key: Annotated[
            str | None,
            HeaderParameter(
                name="Idempotency-Key",
                required=True,
                description="A random key per completion (8 to 100 of A-Z a-z 0-9 - _); "
                "repeating it never counts twice",
            ),
        ] = None,
        signup_token: Annotated[
            str | None,
            HeaderParameter(
                name="X-Signup-Token",
                description="The volunteer's signup manage token, to tie the completion "
                "to them (one per volunteer and action)",
            ),
        ] = None,
    ) -> Response[CompletionOut]:
        """Anyone may complete a public action; no IP address is stored. ``note`` is seen
        only by the organization."""
        await enforce(request, "action-completion", limit=COMPLETION_LIMIT)
        viewer = await current_organizer(request)
        try:
            if not idempotency_key:
                raise ValidationFailed({"idempotency_key": "Send a random Idempotency-Key header."})
            task = await service.visible_task(viewer, task_id)
            volunteer_id = await tie.volunteer_for(signup_token, task["organization"])
            result = await completions.complete(
                viewer, task_id, data, idempotency_key, volunteer_id=volunteer_id
            )
        except ValidationFailed as exc:
            # Name the headers as the client sends them.
            raise ValidationFailed(
                {HEADER_FIELDS.get(k, k): v for k, v in exc.errors.items()}
            ) from None
        body = CompletionOut(
            id=result.row["id"],
            task_id=task_id,
            outcome=result.row["outcome"],
            country=result.row["country"],
            created_at=result.row["created_at"],
            replayed=result.replayed,
            counted=result.counted,
            count=result.count,
        )
        status = 201 if result.created else 200
        return Response(body, status_code=status, headers=NO_STORE)

    @get(
        "/campaigns/{campaign_id:uuid}/progress",
        summary="A campaign's progress (counts only)",
        responses=_problems(*READ),
    )
    async def progress(
        self, request: Request[Any, Any, Any], campaign_id: FromPath[UUID]
    ) -> Response[ProgressOut]:
        tasks, progress = await completions.campaign_progress(
            await current_organizer(request), campaign_id
        )
        body = ProgressOut(
            campaign_id=campaign_id,
            count=progress.count,
            goal=progress.goal,
            tasks=[
                TaskProgress(
                    task_id=t["id"],
                    title=t["title"],
                    count=progress.by_task[t["id"]],
                    goal=t["goal"],
                )
                for t in tasks
            ],
        )
        return Response(body, headers=NO_STORE)

    @get(
        "/campaigns/{campaign_id:uuid}/completions",
        summary="Completions with notes (members only)",
        responses=_problems(*READ),
    )
    async def list_completions(
        self,
        request: Request[Any, Any, Any],
        campaign_id: FromPath[UUID],
        page: int = Parameter(default=1, ge=1, le=100_000),
        per_page: int = Parameter(default=50, ge=1, le=500),
    ) -> Response[CompletionPage]:
        """Newest first. Notes are personal: only members of the organization get them."""
        rows = await completions.member_completions(
            await current_organizer(request),
            campaign_id,
            limit=per_page + 1,
            offset=(page - 1) * per_page,
        )
        items = [
            MemberCompletionOut(
                id=r["id"],
                task_id=r["task"],
                task_title=r["task_title"],
                outcome=r["outcome"],
                country=r["country"],
                note=r["note"],
                from_signup=r["volunteer_id"] is not None,
                created_at=r["created_at"],
            )
            for r in rows[:per_page]
        ]
        body = CompletionPage(
            items=items, page=page, per_page=per_page, has_next=len(rows) > per_page
        )
        return Response(body, headers=NO_STORE)

    @get(
        "/campaigns/{campaign_id:uuid}/results",
        summary="Completions by outcome, country and day (members only)",
        responses=_problems(*READ),
    )
    async def results(
        self, request: Request[Any, Any, Any], campaign_id: FromPath[UUID]
    ) -> Response[ResultsOut]:
        days = await completions.by_day(await current_organizer(request), campaign_id)
        by_outcome: dict[str, int] = {}
        by_country: dict[str, int] = {}
        for r in days:
            by_outcome[r["outcome"]] = by_outcome.get(r["outcome"], 0) + r["count"]
            by_country[r["country"]] = by_country.get(r["country"], 0) + r["count"]
        body = ResultsOut(
            campaign_id=campaign_id,
            total=sum(by_outcome.values()),
            by_outcome=[CountRow(k, v) for k, v in sorted(by_outcome.items())],
            by_country=[CountRow(k, v) for k, v in sorted(by_country.items(), key=lambda i: -i[1])],
            by_day=[DayRow(**r) for r in days],
        )
        return Response(body, headers=NO_STORE)


ROUTES: list[Any] = [TaskController, TargetController, CompletionController]
