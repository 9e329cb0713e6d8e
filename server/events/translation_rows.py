"""Storing organizers' translations (of events, campaigns and actions): one row per text
and language, unique on the pair, so "add or replace" is one INSERT … ON CONFLICT DO
UPDATE (Piccolo's ``on_conflict``) on SQLite and PostgreSQL alike. Call these inside the
caller's ``write_transaction()``, with its audit entry."""

from __future__ import annotations

import uuid

from piccolo.columns import ForeignKey
from piccolo.table import Table

from server.errors import NotFound
from server.i18n import N_


async def store(
    table: type[Table], owner: ForeignKey, owner_id: uuid.UUID, language: str, texts: dict[str, str]
) -> None:
    """Add the translation into ``language``, or replace its texts when there is one."""
    row = table()
    for name, value in {owner._meta.name: owner_id, "language": language, **texts}.items():
        setattr(row, name, value)
    await table.insert(row).on_conflict(
        target=(owner, table.language),  # type: ignore[attr-defined]
        action="DO UPDATE",
        values=[getattr(table, name) for name in texts],
    )


async def remove(table: type[Table], owner: ForeignKey, owner_id: uuid.UUID, language: str) -> None:
    """Delete the translation into ``language``; ``NotFound`` when there is none."""
    gone = await (
        table.delete()
        .where((owner == owner_id) & (table.language == language))  # type: ignore[attr-defined]
        .returning(table._meta.primary_key)
    )
    if not gone:
        raise NotFound(N_("No such translation"))
