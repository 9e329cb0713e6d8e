"""JSON API for organizers' translations of an event (``/api/v1/events/{id}/translations``).

Who may write one is who may edit the event: the organizer role in its organization
(403 below it, 404 for anyone else: invariant 1). Readers get translations inside the
event answers themselves (``title``/``description`` in their language, see ``views``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import delete, get, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_204_NO_CONTENT

from server.events import translations
from server.events.schemas import TranslationInput, TranslationOut
from server.web.api import ApiController
from server.web.apidocs import WRITE, problems
from server.web.auth import SignedIn, require_organizer


class EventTranslationController(ApiController):
    tags = ["events"]

    @get(
        "/events/{event_id:uuid}/translations",
        guards=[require_organizer],
        summary="An event's translations",
        responses=problems(401, 403, 404),
    )
    async def list_translations(
        self, organizer: SignedIn, event_id: FromPath[UUID]
    ) -> list[TranslationOut]:
        """Every translation of the event, by language; for those who may edit it."""
        _, found = await translations.event_translations(organizer, event_id)
        return [TranslationOut(**row) for row in found]

    @put(
        "/events/{event_id:uuid}/translations/{language:str}",
        guards=[require_organizer],
        summary="Add or replace a translation of an event",
        responses=problems(*WRITE),
    )
    async def put_translation(
        self,
        organizer: SignedIn,
        event_id: FromPath[UUID],
        language: FromPath[str],
        data: JSONBody[TranslationInput],
    ) -> TranslationOut:
        """``language`` is one of the site's languages (en, ar, de, es, fr, it, ru) other
        than the one the event is written in. Readers in that language then see this
        title and description; calendars and mail keep the original. 422 names each
        invalid field (``language``, ``title``, ``description``)."""
        saved = await translations.put_translation(organizer, event_id, language, data)
        return TranslationOut(**saved)

    @delete(
        "/events/{event_id:uuid}/translations/{language:str}",
        guards=[require_organizer],
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove a translation of an event",
        responses=problems(401, 403, 404),
    )
    async def delete_translation(
        self, organizer: SignedIn, event_id: FromPath[UUID], language: FromPath[str]
    ) -> None:
        await translations.delete_translation(organizer, event_id, language)


ROUTES: list[Any] = [EventTranslationController]
