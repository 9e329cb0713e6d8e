"""Organizers' translations of a campaign's title and description.

The same rules as an event's (``translations``): readers get their language's translation
where there is one, else the original and its language; the organizer role writes them,
inside one ``write_transaction()`` that bumps the change version (campaign titles appear
in cached public event pages and search results).
"""

from __future__ import annotations

import uuid
from typing import Any

from server import i18n
from server.accounts import audit
from server.accounts import service as accounts
from server.accounts.service import OrganizerView
from server.db import write_transaction
from server.events import changes, service, translation_rows, translations
from server.events.schemas import TranslationInput
from server.events.tables import CampaignTranslation

DESCRIPTION_MAX = 5000  # as a campaign's own description (service._clean_campaign)

Found = dict[uuid.UUID, dict[str, tuple[str, str]]]


async def of(campaign_ids: list[uuid.UUID]) -> Found:
    """Each campaign's translations by language: ``(title, description)``."""
    found: Found = {i: {} for i in campaign_ids}
    if not campaign_ids:
        return found
    for t in await CampaignTranslation.select(
        CampaignTranslation.campaign,
        CampaignTranslation.language,
        CampaignTranslation.title,
        CampaignTranslation.description,
    ).where(CampaignTranslation.campaign.is_in(list(set(campaign_ids)))):
        found.setdefault(t["campaign"], {})[t["language"]] = (t["title"], t["description"])
    return found


async def localize(rows: list[dict[str, Any]], id_key: str = "id") -> list[dict[str, Any]]:
    """Copies of campaign rows with the reader's title and description; ``language`` is
    theirs when translated, ``original_language`` the one the organizers wrote in."""
    reader = i18n.current.get()
    found = await of([row[id_key] for row in rows])
    shown = []
    for row in rows:
        original = row.get("language") or i18n.SOURCE
        chosen = found.get(row[id_key], {}).get(reader) if reader != original else None
        title, description = chosen or (row["title"], row["description"])
        shown.append(
            {
                **row,
                "title": title,
                "description": description,
                "language": reader if chosen else original,
                "original_language": original,
            }
        )
    return shown


async def _editable(viewer: OrganizerView | None, campaign_id: uuid.UUID) -> dict[str, Any]:
    """The campaign for those who may edit it: 404 for strangers, 403 below organizer."""
    row = await service.get_campaign(viewer, campaign_id)
    await accounts.require_role(viewer, row["organization"], "organizer")
    return row


async def campaign_translations(
    viewer: OrganizerView | None, campaign_id: uuid.UUID
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    row = await _editable(viewer, campaign_id)
    found: list[dict[str, Any]] = (
        await CampaignTranslation.select(
            CampaignTranslation.language, CampaignTranslation.title, CampaignTranslation.description
        )
        .where(CampaignTranslation.campaign == campaign_id)
        .order_by(CampaignTranslation.language)
    )
    return row, found


async def put_translation(
    viewer: OrganizerView | None, campaign_id: uuid.UUID, language: str, data: TranslationInput
) -> dict[str, Any]:
    """Add or replace the translation into ``language``; nothing is written on bad input."""
    row = await _editable(viewer, campaign_id)
    title, description = translations.clean(row["language"], language, data, DESCRIPTION_MAX)
    async with write_transaction(lock=f"campaign:{campaign_id}"):
        texts = {"title": title, "description": description}
        await translation_rows.store(
            CampaignTranslation, CampaignTranslation.campaign, campaign_id, language, texts
        )
        await audit.record(
            row["organization"], viewer, "campaign.translated", row["title"], language,
            subject_id=campaign_id,
        )  # fmt: skip
        await changes.bump()  # campaign titles appear in cached public event answers
    changes.forget()
    return {"language": language, "title": title, "description": description}


async def delete_translation(
    viewer: OrganizerView | None, campaign_id: uuid.UUID, language: str
) -> None:
    """Remove the translation into ``language``; ``NotFound`` when there is none."""
    row = await _editable(viewer, campaign_id)
    async with write_transaction(lock=f"campaign:{campaign_id}"):
        await translation_rows.remove(
            CampaignTranslation, CampaignTranslation.campaign, campaign_id, language
        )
        await audit.record(
            row["organization"], viewer, "campaign.translation_deleted", row["title"], language,
            subject_id=campaign_id,
        )  # fmt: skip
        await changes.bump()
    changes.forget()
