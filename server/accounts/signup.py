"""Creating an organizer account: the address is proven before the account exists.

Issue 12.5: ``/signup`` used to answer "An account with this email already exists." —
telling anyone which addresses have accounts (invariant 8). Now every well-formed
sign-up gets the same page ("check your inbox"), the same work (one argon2 hash, one
lookup, one queued mail) and so about the same time:

- a new address gets a link that finishes the sign-up (``/signup/confirm/<token>``);
- an existing account's address gets "someone tried to create an account with your
  address" instead (at most once an hour per address, so a form cannot mail-bomb it).

Decisions: the pending sign-up is not stored anywhere. Its token is the Fernet
encryption (key derived from SECRET_KEY) of the email, name, password hash and where
to go next, valid ``TTL_S``; opening it creates the account, so a second use finds the
address taken and just asks to sign in. The token only ever travels in that one email
(sealed at rest in the outbox), and is a long random-looking path segment, which
server/logging.py redacts. Proving the address this way is also what makes invitations
tied to an address mean something (members.addressed_to).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from cryptography.fernet import InvalidToken

from server.accounts import notices, service
from server.accounts.service import OrganizerView
from server.crypto import fernet
from server.db import write_transaction
from server.errors import Conflict, NotFound
from server.i18n import N_
from server.tokens import hash_secret

TTL_S = 86400  # a day
ATTEMPT_MAIL_WINDOW_S = 3600
CONFIRM_PATH = "/signup/confirm/"

PURPOSE = "signup-token"


@dataclass(frozen=True, slots=True)
class Pending:
    email: str
    display_name: str
    password_hash: str
    next_path: str


async def request_account(email: str, password: str, display_name: str, next_path: str) -> str:
    """Validate (``ValidationFailed`` depends on the input only) and mail the address.

    Returns the normalized address, for the "check your inbox" page.
    """
    email, display_name = service.check_registration(email, password, display_name)
    # Hashed in both branches: the answer takes as long for a known address.
    password_hash = await service.hash_password(password)
    async with write_transaction():
        if await service.organizer_exists(email):
            window = int(time.time()) // ATTEMPT_MAIL_WINDOW_S
            await notices.tell_address(
                email, "signup_attempt", key=f"signup_attempt:{hash_secret(email)}:{window}"
            )
        else:
            token = _seal(Pending(email, display_name, password_hash, next_path))
            await notices.tell_address(
                email,
                "signup_confirm",
                name=display_name,
                values={"path": f"{CONFIRM_PATH}{token}"},
            )
    return email


def _seal(pending: Pending) -> str:
    data = json.dumps(
        {
            "e": pending.email,
            "n": pending.display_name,
            "h": pending.password_hash,
            "x": pending.next_path,
        }
    ).encode()
    # Without "=" padding: a clean path segment (the log redaction needs one).
    return fernet(PURPOSE).encrypt(data).decode().rstrip("=")


def opened(token: str) -> Pending | None:
    """The sign-up behind ``token``, or None when it is forged, mangled or too old."""
    if not token or len(token) > 2000:
        return None
    try:
        raw = fernet(PURPOSE).decrypt((token + "=" * (-len(token) % 4)).encode(), ttl=TTL_S)
        data = json.loads(raw)
        return Pending(str(data["e"]), str(data["n"]), str(data["h"]), str(data["x"]))
    except (InvalidToken, ValueError, KeyError, TypeError):
        return None


async def finish(token: str) -> tuple[OrganizerView, str]:
    """Create the account from its link: (organizer, where to go next).

    ``NotFound`` for a bad or expired link; ``Conflict`` once the account exists (the
    link was used already), which the page answers with "sign in".
    """
    pending = opened(token)
    if pending is None:
        raise NotFound(N_("This link is invalid or expired: sign up again."))
    try:
        who = await service.create_organizer(
            pending.email, pending.display_name, pending.password_hash
        )
    except Conflict as exc:
        raise Conflict(N_("This account exists already: sign in.")) from exc
    return who, pending.next_path
