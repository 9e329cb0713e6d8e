"""Routes for translations of an action's texts: the JSON API
(``/api/v1/tasks/{id}/translations/{language}``) and the organizer's page for them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, delete, get, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from server import i18n
from server.accounts.pages import OrganizerController, see_other
from server.accounts.service import OrganizerView
from server.actions import translations
from server.actions.schemas import TaskTranslationInput, TaskTranslationOut
from server.web.api import ApiController
from server.web.apidocs import WRITE, problems
from server.web.auth import SignedIn, require_organizer
from server.web.forms import submit, text_values
from server.web.templates import render_page

FIELDS = ("language", *translations.TEXTS)


class TaskTranslationController(ApiController):
    tags = ["actions"]

    @get(
        "/tasks/{task_id:uuid}/translations",
        guards=[require_organizer],
        summary="An action's translations",
        responses=problems(401, 403, 404),
    )
    async def list_translations(
        self, organizer: SignedIn, task_id: FromPath[UUID]
    ) -> list[TaskTranslationOut]:
        _, found = await translations.task_translations(organizer, task_id)
        return [TaskTranslationOut(**row) for row in found]

    @put(
        "/tasks/{task_id:uuid}/translations/{language:str}",
        guards=[require_organizer],
        summary="Add or replace a translation of an action",
        responses=problems(*WRITE),
    )
    async def put_translation(
        self,
        organizer: SignedIn,
        task_id: FromPath[UUID],
        language: FromPath[str],
        data: JSONBody[TaskTranslationInput],
    ) -> TaskTranslationOut:
        """``language`` is one of the site's languages other than the campaign's own.
        Volunteers reading in it see these texts on the campaign's page."""
        saved = await translations.put_translation(organizer, task_id, language, data)
        return TaskTranslationOut(**saved)

    @delete(
        "/tasks/{task_id:uuid}/translations/{language:str}",
        guards=[require_organizer],
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a translation of an action",
        responses=problems(401, 403, 404),
    )
    async def delete_translation(
        self, organizer: SignedIn, task_id: FromPath[UUID], language: FromPath[str]
    ) -> None:
        await translations.delete_translation(organizer, task_id, language)


def _page_url(task_id: UUID) -> str:
    return f"/organizer/actions/{task_id}/translations"


async def _page(
    request: Request[Any, Any, Any], viewer: OrganizerView, task_id: UUID, **form: Any
) -> Response[Any]:
    task, found = await translations.task_translations(viewer, task_id)
    original = translations.original_language(task)
    return render_page(
        request,
        "actions/task_translations.html",
        viewer,
        task=task,
        translations=found,
        translation_languages={c: n for c, n in i18n.LANGUAGES.items() if c != original},
        **form,
    )


class TaskTranslationPages(OrganizerController):
    path = "/organizer"

    @get("/actions/{task_id:uuid}/translations")
    async def page(
        self, request: Request[Any, Any, Any], viewer: SignedIn, task_id: FromPath[UUID]
    ) -> Response[Any]:
        return await _page(request, viewer, task_id)

    @post("/actions/{task_id:uuid}/translations")
    async def save(
        self, request: Request[Any, Any, Any], viewer: SignedIn, task_id: FromPath[UUID]
    ) -> Response[Any]:
        values = text_values(await request.form(), FIELDS)
        data = TaskTranslationInput(**{n: values[n] for n in translations.TEXTS})
        return await submit(
            lambda: translations.put_translation(viewer, task_id, values["language"], data),
            done=lambda _: see_other(_page_url(task_id)),
            invalid=lambda errors: _page(
                request, viewer, task_id, t_values=values, t_errors=errors
            ),
        )

    @post("/actions/{task_id:uuid}/translations/{language:str}/delete")
    async def remove(
        self, viewer: SignedIn, task_id: FromPath[UUID], language: FromPath[str]
    ) -> Response[Any]:
        await translations.delete_translation(viewer, task_id, language)
        return see_other(_page_url(task_id))


ROUTES: list[Any] = [TaskTranslationController, TaskTranslationPages]
