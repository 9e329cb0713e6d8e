"""Changing an organizer account's email address, proven from the new address.

The signed-in organizer names a new address and gives their password. The new address
gets a link (a Fernet token of the account, its current address and the new one, valid
``TTL_S``); only opening it there and pressing the button changes the address, and the
old address is told. The answer on the page is the same whether or not the new address
belongs to another account (invariant 8): that account's owner is told someone tried,
as for sign-ups. A link works once: it names the address it replaces, which is gone
after the change.
"""

from __future__ import annotations

import json
import time
import uuid

from cryptography.fernet import InvalidToken

from server import crypto
from server.accounts import audit, notices, service
from server.accounts.service import OrganizerView
from server.accounts.tables import Organizer
from server.db import write_transaction
from server.errors import Conflict, NotFound, ValidationFailed
from server.i18n import N_
from server.tokens import hash_secret

TTL_S = 86400
CONFIRM_PATH = "/organizer/email/confirm/"
PURPOSE = "email-change"
ATTEMPT_MAIL_WINDOW_S = 3600


async def request(who: OrganizerView, new_email: str, password: str) -> str:
    """Mail the new address a link; the normalized address, for the "check" message."""
    new_email = service.normalize_email(new_email)
    errors = service.validate_email(new_email)
    if not errors and new_email == who.email:
        errors = {"new_email": N_("This is your address already.")}
    if errors:
        raise ValidationFailed({"new_email": next(iter(errors.values()))})
    if await service.authenticate(who.email, password) is None:
        raise ValidationFailed({"email_password": N_("That is not your current password.")})
    async with write_transaction():
        if await service.organizer_exists(new_email):
            window = int(time.time()) // ATTEMPT_MAIL_WINDOW_S
            key = f"email_change_attempt:{hash_secret(new_email)}:{window}"
            await notices.tell_address(new_email, "email_change_attempt", key=key)
        else:
            token = _seal(who.id, who.email, new_email)
            await notices.tell_address(
                new_email,
                "email_change_confirm",
                name=who.display_name,
                values={"path": f"{CONFIRM_PATH}{token}", "email": new_email},
            )
    return new_email


def _seal(organizer_id: uuid.UUID, old: str, new: str) -> str:
    data = json.dumps({"o": str(organizer_id), "old": old, "new": new}).encode()
    return crypto.fernet(PURPOSE).encrypt(data).decode().rstrip("=")


def _opened(token: str) -> tuple[uuid.UUID, str, str] | None:
    if not token or len(token) > 1500:
        return None
    try:
        raw = crypto.fernet(PURPOSE).decrypt((token + "=" * (-len(token) % 4)).encode(), ttl=TTL_S)
        data = json.loads(raw)
        return uuid.UUID(str(data["o"])), str(data["old"]), str(data["new"])
    except (InvalidToken, ValueError, KeyError, TypeError):
        return None


async def pending(token: str) -> str | None:
    """The new address a link would set, or None when it is forged, old or used."""
    opened = _opened(token)
    if opened is None:
        return None
    organizer_id, old, new = opened
    current = await Organizer.select(Organizer.email).where(Organizer.id == organizer_id).first()
    return new if current is not None and current["email"] == old else None


async def confirm(token: str) -> OrganizerView:
    """Set the new address; ``NotFound`` for a bad, old or used link, ``Conflict`` when the
    address was taken meanwhile."""
    opened = _opened(token)
    if opened is None:
        raise NotFound(N_("This link is invalid, expired or used already."))
    organizer_id, old, new = opened
    async with write_transaction(lock=f"organizer-email:{new}"):
        if await service.organizer_exists(new):
            raise Conflict(N_("Another account uses this address now."))
        changed = await (
            Organizer.update({Organizer.email: new})
            .where((Organizer.id == organizer_id) & (Organizer.email == old))
            .returning(Organizer.id, Organizer.display_name, Organizer.is_admin)
        )
        if not changed:
            raise NotFound(N_("This link is invalid, expired or used already."))
        who = OrganizerView(organizer_id, new, changed[0]["display_name"], changed[0]["is_admin"])
        await audit.record_account(who, "account.email_changed")
        # The old address hears of it: if it was not them, they know at once.
        row = await Organizer.select(Organizer.locale).where(Organizer.id == organizer_id).first()
        await notices.tell_address(
            old,
            "email_changed",
            name=who.display_name,
            locale=(row or {}).get("locale") or "en",
            values={"email": new},
        )
    return who
