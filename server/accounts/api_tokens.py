"""Named API tokens for scripts: shown once, stored as a SHA-256, revocable."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

from server.accounts import audit, notices
from server.accounts.service import OrganizerView, has_control_chars, organizer_by_id
from server.accounts.tables import ApiToken
from server.db import write_transaction
from server.errors import NotFound, ValidationFailed
from server.i18n import N_
from server.tokens import hash_secret, new_secret, utcnow

PREFIX = "mst_"
# last_used_at is informative only: writing it on every API request would turn each read
# into a write (and queue behind SQLite's single writer), so it is refreshed at most this often.
TOUCH_INTERVAL = timedelta(minutes=1)


async def create(
    organizer: OrganizerView, name: str, *, announce: bool = False
) -> tuple[uuid.UUID, str]:
    """Returns (id, token); the token is shown once and only its hash is kept.

    Every new token is in the audit log of the organizer's organizations. ``announce``
    also mails the account: the pages and the API (what a stolen session would use) pass
    it; an operator's ``muster api-token`` at the server's shell, and fixtures, need not.
    """
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": N_("Name the token after the script that uses it.")})
    if len(name) > 100:
        raise ValidationFailed({"name": N_("Use at most 100 characters.")})
    if has_control_chars(name):
        raise ValidationFailed({"name": N_("Remove the control characters.")})
    token = new_secret(PREFIX)
    row = ApiToken(organizer=organizer.id, name=name, token_hash=hash_secret(token))
    # A new credential is a security change: logged (and mailed) with the row or not at all.
    async with write_transaction(lock=f"tokens:{organizer.id}"):
        await row.save()
        await audit.record_account(organizer, "account.api_token_created", name)
        if announce:
            await notices.tell(
                organizer.id, "api_token_created", key=f"api_token:{row.id}", values={"name": name}
            )
    return row.id, token


async def of_organizer(organizer: OrganizerView) -> list[dict[str, Any]]:
    return (
        await ApiToken.select(
            ApiToken.id,
            ApiToken.name,
            ApiToken.created_at,
            ApiToken.last_used_at,
            ApiToken.revoked_at,
        )
        .where(ApiToken.organizer == organizer.id)
        .order_by(ApiToken.created_at, ascending=False)
    )


async def revoke(organizer: OrganizerView, token_id: uuid.UUID) -> None:
    async with write_transaction(lock=f"tokens:{organizer.id}"):
        updated = (
            await ApiToken.update({ApiToken.revoked_at: utcnow()})
            .where(
                (ApiToken.id == token_id)
                & (ApiToken.organizer == organizer.id)
                & ApiToken.revoked_at.is_null()
            )
            .returning(ApiToken.id)
        )
    if not updated:
        raise NotFound(N_("No such token"))


async def organizer_for(token: str) -> OrganizerView | None:
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = (
        await ApiToken.select(ApiToken.id, ApiToken.organizer, ApiToken.name, ApiToken.last_used_at)
        .where((ApiToken.token_hash == hash_secret(token)) & ApiToken.revoked_at.is_null())
        .first()
    )
    if row is None:
        return None
    now = utcnow()
    if row["last_used_at"] is None or now - row["last_used_at"] > TOUCH_INTERVAL:
        async with write_transaction():
            await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
    who = await organizer_by_id(row["organizer"])
    return dataclasses.replace(who, api_token=row["name"]) if who else None
