"""Organizers' translations of an event's title and description.

Readers get the translation into their language when there is one, else the original
(``views`` picks, from the ``translations`` that ``attach`` puts on a row). Calendars and
mail keep the organizer's original text, so only public pages, search and the API read
them. Who may write one is who may edit the event (the organizer role); each write runs
in one ``write_transaction()`` that bumps the change version, so cached public pages in
every language go stale exactly when the translation becomes visible.
"""

from __future__ import annotations

import uuid
from typing import Any

from server import i18n
from server.accounts import audit
from server.accounts.service import OrganizerView
from server.db import write_transaction
from server.errors import ValidationFailed
from server.events import changes, service, translation_rows
from server.events.schemas import TranslationInput
from server.events.tables import CampaignTranslation, EventTranslation
from server.events.validation import bad_text
from server.i18n import N_, Text
from server.text import strip_bidi_controls

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000  # as an event's own description (validation.clean_event)


async def attach(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Put each row's translations on it (``row["translations"][language]`` is
    ``(title, description)``), in one query for all of them."""
    ids = [row["id"] for row in rows if "translations" not in row]
    if not ids:
        return rows
    found: dict[Any, dict[str, tuple[str, str]]] = {i: {} for i in ids}
    for t in await EventTranslation.select(
        EventTranslation.event,
        EventTranslation.language,
        EventTranslation.title,
        EventTranslation.description,
    ).where(EventTranslation.event.is_in(ids)):
        found.setdefault(t["event"], {})[t["language"]] = (t["title"], t["description"])
    campaigns: dict[Any, dict[str, str]] = {}
    campaign_ids = list({row["campaign"] for row in rows if row.get("campaign")})
    if campaign_ids:  # the campaign line of an event speaks the reader's language too
        for t in await CampaignTranslation.select(
            CampaignTranslation.campaign, CampaignTranslation.language, CampaignTranslation.title
        ).where(CampaignTranslation.campaign.is_in(campaign_ids)):
            campaigns.setdefault(t["campaign"], {})[t["language"]] = t["title"]
    for row in rows:
        if "translations" not in row:
            row["translations"] = found.get(row["id"], {})
            row["campaign_translations"] = campaigns.get(row.get("campaign"), {})
    return rows


def localized_title(row: dict[str, Any], reader: str | None = None) -> str:
    """The title a reader sees: their language's translation, else the original."""
    reader = reader or i18n.current.get()
    if reader == row.get("language"):
        return str(row["title"])
    chosen = (row.get("translations") or {}).get(reader)
    return str(chosen[0]) if chosen else str(row["title"])


def clean(
    original: str, language: str, data: TranslationInput, description_max: int = DESCRIPTION_MAX
) -> tuple[str, str]:
    """The title and description to store (a translation of a text written in
    ``original``), or ``ValidationFailed`` naming each bad field."""
    errors: dict[str, str] = {}
    if language not in i18n.LANGUAGES:
        errors["language"] = N_("Choose a language from the list.")
    elif language == original:
        errors["language"] = N_("The original is written in this language already.")
    # No bidi overrides in a title: they would reverse it on every list (server/text.py).
    title = strip_bidi_controls(data.title).strip()
    if not title:
        errors["title"] = N_("Give the translated title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = N_("Use at most 200 characters.")
    elif bad_text(title):
        errors["title"] = N_("Use one line of text.")
    description = data.description.strip()
    if len(description) > description_max:
        errors["description"] = Text("Use at most %(limit)s characters.", limit=description_max)
    elif bad_text(description, multiline=True):
        errors["description"] = N_("Remove control characters.")
    if errors:
        raise ValidationFailed(errors)
    return title, description


async def event_translations(
    viewer: OrganizerView | None, event_id: uuid.UUID
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The event and its translations (by language), for those who may edit it."""
    row = await service.event_for_member(viewer, event_id, "organizer")
    found: list[dict[str, Any]] = (
        await EventTranslation.select(
            EventTranslation.language, EventTranslation.title, EventTranslation.description
        )
        .where(EventTranslation.event == event_id)
        .order_by(EventTranslation.language)
    )
    return row, found


async def put_translation(
    viewer: OrganizerView | None, event_id: uuid.UUID, language: str, data: TranslationInput
) -> dict[str, Any]:
    """Add or replace the translation into ``language``; nothing is written on bad input."""
    row = await service.event_for_member(viewer, event_id, "organizer")
    title, description = clean(row["language"], language, data)
    async with write_transaction(lock=f"event:{event_id}"):
        texts = {"title": title, "description": description}
        await translation_rows.store(
            EventTranslation, EventTranslation.event, event_id, language, texts
        )
        await audit.record(
            row["organization"], viewer, "event.translated", row["title"], language,
            subject_id=event_id,
        )  # fmt: skip
        await changes.bump()  # cached public pages in every language go stale
    changes.forget()
    return {"language": language, "title": title, "description": description}


async def delete_translation(
    viewer: OrganizerView | None, event_id: uuid.UUID, language: str
) -> None:
    """Remove the translation into ``language``; ``NotFound`` when there is none."""
    row = await service.event_for_member(viewer, event_id, "organizer")
    async with write_transaction(lock=f"event:{event_id}"):
        await translation_rows.remove(EventTranslation, EventTranslation.event, event_id, language)
        await audit.record(
            row["organization"], viewer, "event.translation_deleted", row["title"], language,
            subject_id=event_id,
        )  # fmt: skip
        await changes.bump()
    changes.forget()
