"""Accounts rules: organizers, passwords, organizations and roles.

Members and invitations are in ``members.py``, API tokens in ``api_tokens.py``, the
admins' approval of organizations in ``approvals.py``.

Plain async functions over the accounts tables. Other features ask here whether
someone may see or change an organization's things (``membership_role``,
``require_role``), and get back a ``NotFound`` for "not yours" (invariant 1).
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass
from typing import Any, Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from server import i18n
from server.accounts.tables import Membership, Organization, Organizer
from server.db import write_transaction
from server.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from server.i18n import N_, Text
from server.text import (  # one rule for user text: see text.py
    has_control_chars,
    normalize_email,
    one_line,
    validate_email,
)

Role = Literal["owner", "organizer", "viewer"]
ROLES: tuple[Role, ...] = ("owner", "organizer", "viewer")
# Which roles may do what: viewers read attendee lists, organizers edit events, owners
# manage members and tokens of the organization.
ROLE_RANK = {"viewer": 0, "organizer": 1, "owner": 2}
# How people read a role (the templates' ``role_name`` says the same).
ROLE_NAMES = {"owner": Text("Owner"), "organizer": Text("Organizer"), "viewer": Text("Viewer")}
EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
MIN_PASSWORD = 10

_hasher = PasswordHasher()
# Verifying against this when the email is unknown keeps login timing the same
# whether or not an account exists (no account enumeration).
_DUMMY_HASH = _hasher.hash("not-a-real-password-but-same-cost")


@dataclass(frozen=True, slots=True)
class OrganizerView:
    id: uuid.UUID
    email: str
    display_name: str
    is_admin: bool
    api_token: str = ""  # the token's name when the request came with one (the audit log)


@dataclass(frozen=True, slots=True)
class OrganizationView:
    id: uuid.UUID
    name: str
    description: str
    approved: bool
    role: Role | None = None  # the viewer's role, when listed for a member
    require_2fa: bool = False  # members must use two-factor sign-in to see its data


async def _hash_password(password: str) -> str:
    # argon2 takes tens of milliseconds of CPU and releases the GIL: keep the event loop free.
    return await asyncio.to_thread(_hasher.hash, password)


async def _verify_password(stored: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _organizer_view(row: dict[str, Any]) -> OrganizerView:
    return OrganizerView(
        id=row["id"], email=row["email"], display_name=row["display_name"], is_admin=row["is_admin"]
    )


# --- organizers -------------------------------------------------------------------


def check_registration(email: str, password: str, display_name: str) -> tuple[str, str]:
    """The normalized (email, display name), or ``ValidationFailed`` naming each field.

    Depends on the input only, never on whether an account exists (invariant 8)."""
    email = normalize_email(email)
    display_name = one_line(display_name)  # no bidi controls: names shown on others' lists
    errors = validate_email(email)
    if len(password) < MIN_PASSWORD:
        errors["password"] = Text("Use at least %(n)s characters.", n=MIN_PASSWORD)
    elif len(password) > 1024:
        errors["password"] = N_("That password is too long.")
    if not display_name:
        errors["display_name"] = N_("Enter your name as others should see it.")
    elif has_control_chars(display_name):
        errors["display_name"] = N_("Remove the control characters.")
    elif len(display_name) > 100:
        errors["display_name"] = N_("Use at most 100 characters.")
    if errors:
        raise ValidationFailed(errors)
    return email, display_name


async def hash_password(password: str) -> str:
    return await _hash_password(password)


async def organizer_exists(email: str) -> bool:
    return bool(await Organizer.exists().where(Organizer.email == normalize_email(email)))


async def create_organizer(
    email: str, display_name: str, password_hash: str, *, is_admin: bool = False
) -> OrganizerView:
    """Insert the account (checked by ``check_registration``); ``Conflict`` if the email
    is taken by now."""
    # The lock serialises two sign-ups with one email on PostgreSQL, so the loser gets a
    # clear Conflict instead of a unique-constraint error.
    async with write_transaction(lock=f"organizer-email:{email}"):
        if await Organizer.exists().where(Organizer.email == email):
            raise Conflict(N_("An account with this email already exists."))
        row = Organizer(
            email=email,
            display_name=display_name,
            password_hash=password_hash,
            is_admin=is_admin,
            locale=i18n.current.get(),  # the language they signed up in, changeable later
        )
        await row.save()
    return OrganizerView(row.id, row.email, row.display_name, row.is_admin)


async def register_organizer(
    email: str, password: str, display_name: str, *, is_admin: bool = False
) -> OrganizerView:
    """An account at once: for operators (``muster create-admin``), the demo and tests.
    People signing up go through ``accounts/signup.py``, which proves the address first."""
    email, display_name = check_registration(email, password, display_name)
    password_hash = await _hash_password(password)
    try:
        return await create_organizer(email, display_name, password_hash, is_admin=is_admin)
    except Conflict as exc:
        raise ValidationFailed({"email": exc.detail}) from exc


async def authenticate(email: str, password: str) -> OrganizerView | None:
    """The organizer, or None; the same work is done whether or not the email exists."""
    email = normalize_email(email)
    row = None
    if not has_control_chars(email):  # never sent to the database: no such account anyway
        row = await Organizer.select().where(Organizer.email == email).first()
    if len(password) > 1024:  # never hash megabytes for an attacker
        password = ""
    stored = row["password_hash"] if row else _DUMMY_HASH
    if not await _verify_password(stored, password) or row is None:
        return None
    if _hasher.check_needs_rehash(stored):
        new_hash = await _hash_password(password)
        async with write_transaction(lock=f"organizer:{row['id']}"):
            await Organizer.update({Organizer.password_hash: new_hash}).where(
                Organizer.id == row["id"]
            )
    return _organizer_view(row)


async def organizer_by_id(organizer_id: str | uuid.UUID) -> OrganizerView | None:
    try:
        key = uuid.UUID(str(organizer_id))
    except ValueError:
        return None
    row = await Organizer.select().where(Organizer.id == key).first()
    return _organizer_view(row) if row else None


async def organizer_for_session(
    organizer_id: str | uuid.UUID, generation: int
) -> OrganizerView | None:
    """The session's organizer, unless "sign out everywhere" ran since the session began."""
    try:
        key = uuid.UUID(str(organizer_id))
    except ValueError:
        return None
    row = await Organizer.select().where(Organizer.id == key).first()
    if row is None or row["session_generation"] != generation:
        return None
    return _organizer_view(row)


async def session_generation(organizer_id: uuid.UUID) -> int:
    row = (
        await Organizer.select(Organizer.session_generation)
        .where(Organizer.id == organizer_id)
        .first()
    )
    return int(row["session_generation"]) if row else 0


async def make_admin(email: str, password: str | None = None) -> tuple[OrganizerView, bool]:
    """Promote an existing organizer, or create one (needs ``password``). Returns (who, created)."""
    email = normalize_email(email)
    row = await Organizer.select().where(Organizer.email == email).first()
    if row:
        async with write_transaction(lock=f"organizer:{row['id']}"):
            await Organizer.update({Organizer.is_admin: True}).where(Organizer.id == row["id"])
        return OrganizerView(row["id"], email, row["display_name"], True), False
    if password is None:
        raise ValidationFailed({"password": N_("A new admin account needs a password.")})
    who = await register_organizer(email, password, email.split("@")[0], is_admin=True)
    return who, True


# --- organizations and roles ---------------------------------------------------------


async def create_organization(
    owner: OrganizerView, name: str, description: str = ""
) -> OrganizationView:
    name, description = one_line(name), description.strip()
    errors = {}
    if not name:
        errors["name"] = N_("Enter the organization's name.")
    elif len(name) > 120:
        errors["name"] = N_("Use at most 120 characters.")
    elif has_control_chars(name):
        errors["name"] = N_("Remove the control characters.")
    if has_control_chars(description):
        errors["description"] = N_("Remove the control characters.")
    if len(description) > 5000:
        errors["description"] = N_("Use at most 5,000 characters.")
    if errors:
        raise ValidationFailed(errors)
    async with write_transaction():
        org = Organization(name=name, description=description)
        await org.save()
        await Membership(organization=org.id, organizer=owner.id, role="owner").save()
    return OrganizationView(org.id, org.name, org.description, False, "owner")


class TwoFactorRequired(PermissionDenied):
    """The organization requires two-factor sign-in and this member has not set it up.

    Pages answer with a redirect to the enrolment page, the API with 403 problem+json
    (server/app.py registers the handler): the member exists, so 403 tells them nothing new.
    """

    title = N_("Two-factor sign-in required")


TWO_FACTOR_REQUIRED = N_(
    "This organization requires two-factor sign-in: set it up at /organizer/security first."
)


async def membership_row(
    organizer_id: uuid.UUID, organization_id: uuid.UUID
) -> dict[str, Any] | None:
    """The membership with what the 2FA gate needs, in one query."""
    row: dict[str, Any] | None = (
        await Membership.select(
            Membership.role,
            Membership.organization.require_2fa.as_alias("require_2fa"),
            Membership.organizer.totp_enabled_at.as_alias("totp_enabled_at"),
        )
        .where(
            (Membership.organizer == organizer_id) & (Membership.organization == organization_id)
        )
        .first()
    )
    return row


def _gated(row: dict[str, Any]) -> bool:
    return bool(row["require_2fa"]) and row["totp_enabled_at"] is None


async def membership_role(
    organizer: OrganizerView | None, organization_id: uuid.UUID
) -> Role | None:
    """The organizer's role, or None — also while the organization requires 2FA they lack:
    until then they see only what the public sees."""
    if organizer is None:
        return None
    row = await membership_row(organizer.id, organization_id)
    if row is None or _gated(row):
        return None
    return cast(Role, row["role"])


async def member_organization_ids(organizer: OrganizerView | None) -> list[uuid.UUID]:
    if organizer is None:
        return []
    rows = await Membership.select(
        Membership.organization,
        Membership.organization.require_2fa.as_alias("require_2fa"),
        Membership.organizer.totp_enabled_at.as_alias("totp_enabled_at"),
    ).where(Membership.organizer == organizer.id)
    return [r["organization"] for r in rows if not _gated(r)]


async def require_role(
    organizer: OrganizerView | None, organization_id: uuid.UUID, at_least: Role
) -> Role:
    """The caller's role; ``NotFound`` for non-members, ``PermissionDenied`` below ``at_least``,
    ``TwoFactorRequired`` for members of an organization that requires 2FA they lack."""
    row = await membership_row(organizer.id, organization_id) if organizer else None
    if row is None:
        raise NotFound(N_("No such organization"))
    if _gated(row):
        raise TwoFactorRequired(TWO_FACTOR_REQUIRED)
    role = cast(Role, row["role"])
    if ROLE_RANK[role] < ROLE_RANK[at_least]:
        raise PermissionDenied(Text("This needs the %(role)s role.", role=ROLE_NAMES[at_least]))
    return role


def organization_view(row: dict[str, Any], role: Role | None = None) -> OrganizationView:
    return OrganizationView(
        row["id"],
        row["name"],
        row["description"],
        row["approved_at"] is not None,
        role,
        bool(row.get("require_2fa")),
    )


async def get_organization(organization_id: uuid.UUID) -> OrganizationView | None:
    row = await Organization.select().where(Organization.id == organization_id).first()
    return organization_view(row) if row else None


async def member_organization(
    viewer: OrganizerView | None, organization_id: uuid.UUID, at_least: Role = "viewer"
) -> OrganizationView:
    """The organization with the viewer's ``role``, for its members' pages; raises as
    ``require_role`` does (``NotFound`` for anyone else)."""
    role = await require_role(viewer, organization_id, at_least)
    row = await Organization.select().where(Organization.id == organization_id).first()
    if row is None:
        raise NotFound(N_("No such organization"))
    return organization_view(row, role)


async def visible_organization(
    viewer: OrganizerView | None, organization_id: uuid.UUID
) -> OrganizationView:
    """Public once approved; before that, only its members (and admins) may see it."""
    row = await Organization.select().where(Organization.id == organization_id).first()
    if row is None:
        raise NotFound(N_("No such organization"))
    role = await membership_role(viewer, organization_id)
    if row["approved_at"] is None and role is None and not (viewer and viewer.is_admin):
        raise NotFound(N_("No such organization"))
    return organization_view(row, role)


async def organizations_of(organizer: OrganizerView) -> list[OrganizationView]:
    memberships = await Membership.select(Membership.organization, Membership.role).where(
        Membership.organizer == organizer.id
    )
    if not memberships:
        return []
    roles = {m["organization"]: m["role"] for m in memberships}
    rows = (
        await Organization.select()
        .where(Organization.id.is_in(list(roles)))
        .order_by(Organization.name)
    )
    return [organization_view(r, roles[r["id"]]) for r in rows]


async def approved_organization_ids() -> set[uuid.UUID]:
    rows = await Organization.select(Organization.id).where(Organization.approved_at.is_not_null())
    return {r["id"] for r in rows}
