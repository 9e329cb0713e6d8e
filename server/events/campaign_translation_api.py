"""JSON API for organizers' translations of a campaign
(``/api/v1/campaigns/{id}/translations``): the same rules as an event's."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import delete, get, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from server.events import campaign_translations
from server.events.schemas import TranslationInput, TranslationOut
from server.web.api import ApiController
from server.web.apidocs import WRITE, problems
from server.web.auth import SignedIn, require_organizer


class CampaignTranslationController(ApiController):
    tags = ["campaigns"]

    @get(
        "/campaigns/{campaign_id:uuid}/translations",
        guards=[require_organizer],
        summary="A campaign's translations",
        responses=problems(401, 403, 404),
    )
    async def list_translations(
        self, organizer: SignedIn, campaign_id: FromPath[UUID]
    ) -> list[TranslationOut]:
        _, found = await campaign_translations.campaign_translations(organizer, campaign_id)
        return [TranslationOut(**row) for row in found]

    @put(
        "/campaigns/{campaign_id:uuid}/translations/{language:str}",
        guards=[require_organizer],
        summary="Add or replace a translation of a campaign",
        responses=problems(*WRITE),
    )
    async def put_translation(
        self,
        organizer: SignedIn,
        campaign_id: FromPath[UUID],
        language: FromPath[str],
        data: JSONBody[TranslationInput],
    ) -> TranslationOut:
        """``language`` is one of the site's languages other than the campaign's own;
        422 names each invalid field (``language``, ``title``, ``description``)."""
        saved = await campaign_translations.put_translation(organizer, campaign_id, language, data)
        return TranslationOut(**saved)

    @delete(
        "/campaigns/{campaign_id:uuid}/translations/{language:str}",
        guards=[require_organizer],
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a translation of a campaign",
        responses=problems(401, 403, 404),
    )
    async def delete_translation(
        self, organizer: SignedIn, campaign_id: FromPath[UUID], language: FromPath[str]
    ) -> None:
        await campaign_translations.delete_translation(organizer, campaign_id, language)


ROUTES: list[Any] = [CampaignTranslationController]
