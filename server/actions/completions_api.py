"""JSON API for completions (idempotent), public progress, and the organization's results.

``POST /api/v1/tasks/{id}/completions`` needs an ``Idempotency-Key`` header: the first
request answers 201, a repeat with the same key 200 with ``replayed: true`` — counted
once either way. From a browser it needs the ``x-csrftoken`` header like every API write;
with a bearer token it does not. Notes reach members of the organization only.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody, Parameter

from server.actions import completions, service, tie
from server.actions.schemas import (
    CompletionInput,
    CompletionOut,
    CompletionPage,
    CountRow,
    DayRow,
    MemberCompletionOut,
    ProgressOut,
    ResultsOut,
    TaskProgress,
)
from server.errors import ValidationFailed
from server.i18n import N_
from server.web.api import ApiController, page_window
from server.web.apidocs import READ, problems
from server.web.auth import Viewer
from server.web.ratelimit import enforce

HEADER_FIELDS = {"idempotency_key": "Idempotency-Key", "signup_token": "X-Signup-Token"}


class CompletionController(ApiController):
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
            **problems(400, 403, 404, 409, 422, 429, conflict="The action is archived"),
        },
    )
    async def complete(
        self,
        request: Request[Any, Any, Any],
        viewer: Viewer,
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
        await enforce(request, "action-completion", limit=completions.COMPLETION_LIMIT)
        try:
            if not idempotency_key:
                raise ValidationFailed(
                    {"idempotency_key": N_("Send a random Idempotency-Key header.")}
                )
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
        return Response(body, status_code=201 if result.created else 200)

    @get(
        "/campaigns/{campaign_id:uuid}/progress",
        summary="A campaign's progress (counts only)",
        responses=problems(*READ),
    )
    async def progress(self, viewer: Viewer, campaign_id: FromPath[UUID]) -> ProgressOut:
        tasks, progress = await completions.campaign_progress(viewer, campaign_id)
        return ProgressOut(
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

    @get(
        "/campaigns/{campaign_id:uuid}/completions",
        summary="Completions with notes (members only)",
        responses=problems(*READ),
    )
    async def list_completions(
        self,
        viewer: Viewer,
        campaign_id: FromPath[UUID],
        page: int = Parameter(default=1, ge=1, le=100_000),
        per_page: int = Parameter(default=50, ge=1, le=500),
    ) -> CompletionPage:
        """Newest first. Notes are personal: only members of the organization get them."""
        rows = await completions.member_completions(
            viewer, campaign_id, **page_window(page, per_page)
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
        return CompletionPage(
            items=items, page=page, per_page=per_page, has_next=len(rows) > per_page
        )

    @get(
        "/campaigns/{campaign_id:uuid}/results",
        summary="Completions by outcome, country and day (members only)",
        responses=problems(*READ),
    )
    async def results(self, viewer: Viewer, campaign_id: FromPath[UUID]) -> ResultsOut:
        days = await completions.by_day(viewer, campaign_id)
        by_outcome: dict[str, int] = {}
        by_country: dict[str, int] = {}
        for r in days:
            by_outcome[r["outcome"]] = by_outcome.get(r["outcome"], 0) + r["count"]
            by_country[r["country"]] = by_country.get(r["country"], 0) + r["count"]
        return ResultsOut(
            campaign_id=campaign_id,
            total=sum(by_outcome.values()),
            by_outcome=[CountRow(k, v) for k, v in sorted(by_outcome.items())],
            by_country=[CountRow(k, v) for k, v in sorted(by_country.items(), key=lambda i: -i[1])],
            by_day=[DayRow(**r) for r in days],
        )
