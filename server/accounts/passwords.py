"""Getting back in after a forgotten password, and changing it while signed in.

Forgot password (``/login/forgot``):
- The request path only queues the address, sealed (like "my signups" links), whether or
  not it has an account: the answer, its timing and the mail that leaves cannot tell
  anyone which addresses have accounts (invariant 8). The background sender looks the
  address up and, for an account, mails a link; for no account it sends nothing.
- The link is a Fernet token (key derived from SECRET_KEY) of the account id and a
  fingerprint of its current password hash, valid ``TTL_S``. Nothing is stored: setting
  any new password changes the fingerprint, so a link works once, and a link mailed
  before a password change never works after it.
- Resetting ends every session of the account (the session generation moves on), is in
  the audit log of each of its organizations, and is mailed to the account. It does not
  sign in: the sign-in that follows still asks for the second factor where it is on.

Decision: API tokens survive a reset. They are made only in sudo mode and each one is
mailed to the account when made; an organizer who fears a leak revokes them (or signs out
everywhere) on the security page, which the reset mail points to.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from cryptography.fernet import InvalidToken

from server import crypto
from server.accounts import audit, notices, service
from server.accounts.service import OrganizerView
from server.accounts.tables import Organizer, PasswordResetRequest
from server.db import write_transaction
from server.errors import NotFound, PermissionDenied, ValidationFailed
from server.i18n import N_, Text
from server.tokens import utcnow

TTL_S = 3600
RESET_PATH = "/login/reset/"
PURPOSE = "password-reset"  # the key of reset links
QUEUE_PURPOSE = "password-reset-request"  # the key that seals addresses in the queue
_CONTEXT = "password_reset_request.email"
MAILS_PER_HOUR = 3
BATCH = 100


def _fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


def _checked_password(password: str) -> None:
    if len(password) < service.MIN_PASSWORD:
        raise ValidationFailed(
            {"password": Text("Use at least %(n)s characters.", n=service.MIN_PASSWORD)}
        )
    if len(password) > 1024:
        raise ValidationFailed({"password": N_("That password is too long.")})


async def request(email: str) -> None:
    """Queue a reset link for ``email``; ``ValidationFailed`` only for a malformed address."""
    email = service.normalize_email(email)
    errors = service.validate_email(email)
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        await PasswordResetRequest.insert(
            PasswordResetRequest(email=crypto.box(QUEUE_PURPOSE).seal(email, _CONTEXT))
        )


async def send_pending(limit: int = BATCH) -> int:
    """Handle up to ``limit`` queued requests (the background sender); how many."""
    pending = (
        await PasswordResetRequest.select().order_by(PasswordResetRequest.created_at).limit(limit)
    )
    for item in pending:
        async with write_transaction():
            taken = (
                await PasswordResetRequest.delete()
                .where(PasswordResetRequest.id == item["id"])
                .returning(PasswordResetRequest.id)
            )
            if taken:  # another sender did not handle it first
                await _send_link(item["email"])
    return len(pending)


async def _send_link(sealed: str) -> None:
    try:
        email = crypto.box(QUEUE_PURPOSE).open(sealed, _CONTEXT)
    except crypto.Undecryptable:  # SECRET_KEY changed since: nobody to tell
        return
    row = (
        await Organizer.select(
            Organizer.id, Organizer.password_hash, Organizer.display_name, Organizer.locale
        )
        .where(Organizer.email == email)
        .first()
    )
    if row is None:
        return
    # A few links an hour at most: the form cannot be used to flood someone's inbox.
    window = int(utcnow().timestamp()) // (3600 // MAILS_PER_HOUR)
    await notices.tell_address(
        email,
        "password_reset",
        name=row["display_name"],
        locale=row["locale"] or "en",
        key=f"password_reset:{row['id']}:{window}",
        values={"path": f"{RESET_PATH}{_seal(row['id'], row['password_hash'])}"},
    )


def _seal(organizer_id: uuid.UUID, password_hash: str) -> str:
    data = json.dumps({"o": str(organizer_id), "f": _fingerprint(password_hash)}).encode()
    # Without "=" padding: a clean path segment (the log redaction needs one).
    return crypto.fernet(PURPOSE).encrypt(data).decode().rstrip("=")


async def opened(token: str) -> OrganizerView | None:
    """The account a reset link is for, or None when it is forged, too old or used."""
    if not token or len(token) > 1000:
        return None
    try:
        raw = crypto.fernet(PURPOSE).decrypt((token + "=" * (-len(token) % 4)).encode(), ttl=TTL_S)
        data = json.loads(raw)
        organizer_id, fingerprint = uuid.UUID(str(data["o"])), str(data["f"])
    except (InvalidToken, ValueError, KeyError, TypeError):
        return None
    row = await Organizer.select().where(Organizer.id == organizer_id).first()
    if row is None or _fingerprint(row["password_hash"]) != fingerprint:
        return None
    return OrganizerView(row["id"], row["email"], row["display_name"], row["is_admin"])


async def reset(token: str, password: str) -> OrganizerView:
    """Set a new password from a reset link; ``NotFound`` for a bad, old or used link."""
    who = await opened(token)
    if who is None:
        raise NotFound(N_("This link is invalid, expired or used already: ask for a new one."))
    _checked_password(password)
    await _set_password(who, password, "account.password_reset", "password_reset_done")
    return who


async def change(who: OrganizerView, current: str, password: str) -> None:
    """A signed-in organizer's new password; the current one must be right."""
    if await service.authenticate(who.email, current) is None:
        raise ValidationFailed({"current_password": N_("That is not your current password.")})
    _checked_password(password)
    if current == password:
        raise ValidationFailed({"password": N_("Choose a password other than the current one.")})
    await _set_password(who, password, "account.password_changed", "password_changed")


async def _set_password(
    who: OrganizerView, password: str, action: str, notice: notices.NoticeKind
) -> None:
    """The new hash and a new session generation (every session ends), logged and mailed."""
    password_hash = await service.hash_password(password)
    async with write_transaction(lock=f"sessions:{who.id}"):
        changed = (
            await Organizer.update(
                {
                    Organizer.password_hash: password_hash,
                    Organizer.session_generation: Organizer.session_generation + 1,
                }
            )
            .where(Organizer.id == who.id)
            .returning(Organizer.id)
        )
        if not changed:
            raise PermissionDenied(N_("This account no longer exists."))
        await audit.record_account(who, action)
        await notices.tell(who.id, notice, key=f"{notice}:{uuid.uuid4()}")
