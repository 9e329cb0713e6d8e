"""Two-factor sign-in (TOTP + single-use recovery codes) and "sign out everywhere".

The TOTP secret is stored Fernet-encrypted with a key derived from SECRET_KEY, so a
copy of the database alone does not let anyone mint codes (rotating SECRET_KEY therefore
means organizers enrol again). It is shown only during enrolment, before it is active.
Recovery codes are random, shown once, and only their SHA-256 is kept.
"""

from __future__ import annotations

import base64
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Literal

import pyotp
from cryptography.fernet import InvalidToken

from server.accounts import audit, notices
from server.accounts.service import OrganizerView, get_organization, require_role
from server.accounts.tables import ApiToken, Organization, Organizer, RecoveryCode
from server.crypto import fernet
from server.db import write_transaction
from server.errors import Conflict, ValidationFailed
from server.i18n import N_
from server.tokens import hash_secret, utcnow

ISSUER = "Muster"
RECOVERY_CODES = 10
STEP_S = 30

# The same key as ever ("totp-secret" from SECRET_KEY): no re-enrolment.
PURPOSE = "totp-secret"


def _encrypt(secret: str) -> str:
    return fernet(PURPOSE).encrypt(secret.encode()).decode()


def _decrypt(stored: str) -> str | None:
    try:
        return fernet(PURPOSE).decrypt(stored.encode()).decode()
    except (InvalidToken, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class Enrolment:
    secret: str  # base32, for typing into an authenticator app
    uri: str  # otpauth:// URI, also drawn as a QR code


@dataclass(frozen=True, slots=True)
class TwoFactorStatus:
    enabled: bool
    recovery_codes_left: int


def _normalize(code: str) -> str:
    return "".join(ch for ch in code if ch.isalnum()).lower()


def new_recovery_code() -> str:
    """80 random bits as 4 groups of 4 base32 characters: easy to copy from paper."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


async def _row(organizer_id: uuid.UUID) -> dict[str, object]:
    row = (
        await Organizer.select(
            Organizer.email,
            Organizer.totp_secret,
            Organizer.totp_enabled_at,
            Organizer.totp_last_step,
        )
        .where(Organizer.id == organizer_id)
        .first()
    )
    if row is None:
        raise ValidationFailed({"code": N_("No such account.")})
    return row


async def status(organizer: OrganizerView) -> TwoFactorStatus:
    row = await _row(organizer.id)
    left = await RecoveryCode.count().where(
        (RecoveryCode.organizer == organizer.id) & RecoveryCode.used_at.is_null()
    )
    return TwoFactorStatus(row["totp_enabled_at"] is not None, left)


async def is_enabled(organizer_id: uuid.UUID) -> bool:
    row = await _row(organizer_id)
    return row["totp_enabled_at"] is not None


async def begin_enrolment(organizer: OrganizerView) -> Enrolment:
    """A new secret, stored but not active until a code from it is confirmed."""
    async with write_transaction(lock=f"2fa:{organizer.id}"):
        row = await _row(organizer.id)
        if row["totp_enabled_at"] is not None:
            raise Conflict(N_("Two-factor sign-in is already on."))
        stored = str(row["totp_secret"] or "")
        secret = _decrypt(stored) if stored else None
        if secret is None:  # keep the pending one, so reloading the page shows the same
            secret = pyotp.random_base32()
            await Organizer.update({Organizer.totp_secret: _encrypt(secret)}).where(
                Organizer.id == organizer.id
            )
    uri = pyotp.TOTP(secret).provisioning_uri(name=organizer.email, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def _totp_step(secret: str, code: str, last_step: int) -> int | None:
    """The time step ``code`` belongs to (±1 step of clock drift), if newer than last_step."""
    code = _normalize(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now = int(time.time()) // STEP_S
    for step in (now, now - 1, now + 1):
        if step > last_step and secrets.compare_digest(totp.at(step * STEP_S), code):
            return step
    return None


async def confirm_enrolment(organizer: OrganizerView, code: str) -> list[str]:
    """Turn 2FA on with a first code; returns the recovery codes (shown once)."""
    async with write_transaction(lock=f"2fa:{organizer.id}"):
        row = await _row(organizer.id)
        if row["totp_enabled_at"] is not None:
            raise Conflict(N_("Two-factor sign-in is already on."))
        secret = _decrypt(str(row["totp_secret"] or ""))
        step = _totp_step(secret, code, 0) if secret else None
        if step is None:
            raise ValidationFailed({"code": N_("That code is not right; try the newest one.")})
        await Organizer.update(
            {Organizer.totp_enabled_at: utcnow(), Organizer.totp_last_step: step}
        ).where(Organizer.id == organizer.id)
        await _security_change(organizer, "two_factor_enabled")
        return await _replace_recovery_codes(organizer.id)


async def _replace_recovery_codes(organizer_id: uuid.UUID) -> list[str]:
    await RecoveryCode.delete().where(RecoveryCode.organizer == organizer_id)
    codes = [new_recovery_code() for _ in range(RECOVERY_CODES)]
    await RecoveryCode.insert(
        *[RecoveryCode(organizer=organizer_id, code_hash=hash_secret(_normalize(c))) for c in codes]
    )
    return codes


async def verify(organizer_id: uuid.UUID, code: str) -> bool:
    """A current TOTP code (each accepted once) or an unused recovery code (then spent)."""
    if len(code) > 64:
        return False
    async with write_transaction(lock=f"2fa:{organizer_id}"):
        row = await _row(organizer_id)
        if row["totp_enabled_at"] is None:
            return False
        secret = _decrypt(str(row["totp_secret"] or ""))
        step = _totp_step(secret, code, int(str(row["totp_last_step"]))) if secret else None
        if step is not None:
            await Organizer.update({Organizer.totp_last_step: step}).where(
                Organizer.id == organizer_id
            )
            return True
        normalized = _normalize(code)
        if len(normalized) != 16:
            return False
        spent = (
            await RecoveryCode.update({RecoveryCode.used_at: utcnow()})
            .where(
                (RecoveryCode.organizer == organizer_id)
                & (RecoveryCode.code_hash == hash_secret(normalized))
                & RecoveryCode.used_at.is_null()
            )
            .returning(RecoveryCode.id)
        )
        return bool(spent)


async def disable(organizer: OrganizerView, code: str) -> None:
    if not await verify(organizer.id, code):
        raise ValidationFailed({"code": N_("That code is not right.")})
    async with write_transaction(lock=f"2fa:{organizer.id}"):
        await Organizer.update(
            {
                Organizer.totp_secret: "",
                Organizer.totp_enabled_at: None,
                Organizer.totp_last_step: 0,
            }
        ).where(Organizer.id == organizer.id)
        await RecoveryCode.delete().where(RecoveryCode.organizer == organizer.id)
        await _security_change(organizer, "two_factor_disabled")


async def _security_change(
    organizer: OrganizerView,
    kind: Literal["two_factor_enabled", "two_factor_disabled", "recovery_codes_replaced"],
) -> None:
    """In the audit log of the organizer's organizations and mailed to them; call it
    inside the change's write transaction."""
    await audit.record_account(organizer, f"account.{kind}")
    await notices.tell(organizer.id, kind)


async def new_recovery_codes(organizer: OrganizerView, code: str) -> list[str]:
    """Replace all recovery codes (the old ones stop working); needs a current code."""
    if not await verify(organizer.id, code):
        raise ValidationFailed({"code": N_("That code is not right.")})
    async with write_transaction(lock=f"2fa:{organizer.id}"):
        codes = await _replace_recovery_codes(organizer.id)
        await _security_change(organizer, "recovery_codes_replaced")
        return codes


async def set_organization_requirement(
    owner: OrganizerView, organization_id: uuid.UUID, required: bool
) -> None:
    """Owners only; an owner must use 2FA before requiring it (they would lock themselves out)."""
    await require_role(owner, organization_id, "owner")
    if required and not await is_enabled(owner.id):
        raise ValidationFailed(
            {"require_2fa": N_("Turn on two-factor sign-in for yourself first.")}
        )
    async with write_transaction(lock=f"organization:{organization_id}"):
        await Organization.update({Organization.require_2fa: required}).where(
            Organization.id == organization_id
        )
        await audit.record(organization_id, owner, "org.require_2fa_changed", "", _on_off(required))
        organization = await get_organization(organization_id)
        await notices.tell(
            owner.id,
            "org_require_2fa_changed",
            values={
                "organization": organization.name if organization else "",
                "state": _on_off(required),
            },
        )


def _on_off(required: bool) -> str:
    return N_("required") if required else N_("no longer required")


async def sign_out_everywhere(organizer: OrganizerView) -> None:
    """Every session of this organizer stops working, and every API token is revoked."""
    async with write_transaction(lock=f"sessions:{organizer.id}"):
        await Organizer.update(
            {Organizer.session_generation: Organizer.session_generation + 1}
        ).where(Organizer.id == organizer.id)
        await ApiToken.update({ApiToken.revoked_at: utcnow()}).where(
            (ApiToken.organizer == organizer.id) & ApiToken.revoked_at.is_null()
        )
