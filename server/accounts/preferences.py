"""An organizer's own preferences: the language of their account (its mail, and the pages
of the browser they set it from)."""

from __future__ import annotations

from server import i18n
from server.accounts.service import OrganizerView
from server.accounts.tables import Organizer
from server.db import write_transaction
from server.errors import ValidationFailed
from server.i18n import N_


async def account_language(organizer: OrganizerView) -> str:
    row = await Organizer.select(Organizer.locale).where(Organizer.id == organizer.id).first()
    return i18n.normalize(row["locale"] if row else None)


async def set_account_language(organizer: OrganizerView, code: str) -> str:
    """Keep ``code`` (one of ``i18n.LANGUAGES``); ``ValidationFailed`` for anything else."""
    if code not in i18n.LANGUAGES:
        raise ValidationFailed({"language": N_("Choose one of the languages in the list.")})
    async with write_transaction():
        await Organizer.update({Organizer.locale: code}).where(Organizer.id == organizer.id)
    return code
