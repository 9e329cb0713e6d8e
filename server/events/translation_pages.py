"""Organizers' translation forms: the "Translations" section of the event edit page, and
a campaign's translations page: add, replace, delete.

Plain form posts (CSRF like every organizer form) back to the edit page: success answers
303 to it, bad input shows it again with status 422 and the translation form's errors
inline (kept apart from the event form's as ``t_errors``/``t_values``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath

from server import i18n
from server.accounts.pages import OrganizerController, see_other
from server.accounts.service import OrganizerView
from server.events import campaign_translations, forms, service, translations
from server.events.form_page import render_form
from server.events.schemas import TranslationInput
from server.web.auth import SignedIn
from server.web.forms import submit, text_values
from server.web.templates import render_page

FIELDS = ("language", "title", "description")


def _edit_url(event_id: UUID) -> str:
    return f"/organizer/events/{event_id}/edit"


class EventTranslationPages(OrganizerController):
    path = "/organizer"

    @post("/events/{event_id:uuid}/translations")
    async def save(
        self, request: Request[Any, Any, Any], viewer: SignedIn, event_id: FromPath[UUID]
    ) -> Response[Any]:
        """Add the translation into the chosen language, or replace the one there is."""
        values = text_values(await request.form(), FIELDS)
        data = TranslationInput(title=values["title"], description=values["description"])

        async def invalid(errors: dict[str, str]) -> Response[Any]:
            row = await service.event_for_member(viewer, event_id, "organizer")
            return await render_form(
                request,
                viewer,
                row["organization"],
                action=_edit_url(event_id),
                values=forms.values_from_row(row),
                event=row,
                t_values=values,
                t_errors=errors,
            )

        return await submit(
            lambda: translations.put_translation(viewer, event_id, values["language"], data),
            done=lambda _: see_other(f"{_edit_url(event_id)}#translations"),
            invalid=invalid,
        )

    @post("/events/{event_id:uuid}/translations/{language:str}/delete")
    async def remove(
        self, viewer: SignedIn, event_id: FromPath[UUID], language: FromPath[str]
    ) -> Response[Any]:
        await translations.delete_translation(viewer, event_id, language)
        return see_other(f"{_edit_url(event_id)}#translations")


def _campaign_url(campaign_id: UUID) -> str:
    return f"/organizer/campaigns/{campaign_id}/translations"


async def _campaign_page(
    request: Request[Any, Any, Any],
    viewer: OrganizerView,
    campaign_id: UUID,
    **form: Any,
) -> Response[Any]:
    campaign, found = await campaign_translations.campaign_translations(viewer, campaign_id)
    return render_page(
        request,
        "events/campaign_translations.html",
        viewer,
        campaign=campaign,
        translations=found,
        translation_languages={
            code: name for code, name in i18n.LANGUAGES.items() if code != campaign["language"]
        },
        **form,
    )


class CampaignTranslationPages(OrganizerController):
    path = "/organizer"

    @get("/campaigns/{campaign_id:uuid}/translations")
    async def page(
        self, request: Request[Any, Any, Any], viewer: SignedIn, campaign_id: FromPath[UUID]
    ) -> Response[Any]:
        return await _campaign_page(request, viewer, campaign_id)

    @post("/campaigns/{campaign_id:uuid}/translations")
    async def save(
        self, request: Request[Any, Any, Any], viewer: SignedIn, campaign_id: FromPath[UUID]
    ) -> Response[Any]:
        values = text_values(await request.form(), FIELDS)
        data = TranslationInput(title=values["title"], description=values["description"])
        return await submit(
            lambda: campaign_translations.put_translation(
                viewer, campaign_id, values["language"], data
            ),
            done=lambda _: see_other(_campaign_url(campaign_id)),
            invalid=lambda errors: _campaign_page(
                request, viewer, campaign_id, t_values=values, t_errors=errors
            ),
        )

    @post("/campaigns/{campaign_id:uuid}/translations/{language:str}/delete")
    async def remove(
        self, viewer: SignedIn, campaign_id: FromPath[UUID], language: FromPath[str]
    ) -> Response[Any]:
        await campaign_translations.delete_translation(viewer, campaign_id, language)
        return see_other(_campaign_url(campaign_id))


ROUTES: list[Any] = [EventTranslationPages, CampaignTranslationPages]
