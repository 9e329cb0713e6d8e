"""Members of an organization: the list, single-use invitations, accepting, removing.

Owners invite and remove; every change is in the audit log, inside its transaction.
Later features (mail) hear of a new invitation through the ``invitation_sent`` hook,
subscribed in the composition root (server/app.py), so accounts imports none of them.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from server import crypto
from server.accounts import audit, notices
from server.accounts.service import (
    ROLE_RANK,
    ROLES,
    OrganizerView,
    Role,
    get_organization,
    membership_row,
    normalize_email,
    require_role,
    validate_email,
)
from server.accounts.tables import Invitation, Membership
from server.db import write_transaction
from server.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from server.hooks import Hook
from server.i18n import N_
from server.tokens import hash_secret, new_secret, utcnow

INVITATION_TTL = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class InvitationCreated:
    id: uuid.UUID
    secret: str  # goes into the link only; the database keeps its hash
    email: str
    role: Role
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class InvitationSent:
    """Told to ``invitation_sent`` listeners inside the transaction that creates an invitation."""

    invitation: InvitationCreated
    organization_id: uuid.UUID
    organization_name: str
    invited_by: OrganizerView


# Later features (mail: the invitation email) hear of a new invitation without accounts
# importing them: they subscribe in the composition root (see server/hooks.py).
invitation_sent: Hook[InvitationSent] = Hook()


async def members(viewer: OrganizerView, organization_id: uuid.UUID) -> list[dict[str, Any]]:
    await require_role(viewer, organization_id, "viewer")
    rows = await Membership.select(
        Membership.id,
        Membership.role,
        Membership.organizer.display_name.as_alias("display_name"),
        Membership.organizer.email.as_alias("email"),
    ).where(Membership.organization == organization_id)
    return sorted(rows, key=lambda r: (-ROLE_RANK[r["role"]], r["display_name"].lower()))


async def invite(
    owner: OrganizerView, organization_id: uuid.UUID, email: str, role: str
) -> InvitationCreated:
    """Create a single-use invitation; its secret goes into the link only, never the database."""
    await require_role(owner, organization_id, "owner")
    email = normalize_email(email)
    errors = validate_email(email)
    if role not in ROLES:
        errors["role"] = N_("Choose owner, organizer or viewer.")
    if errors:
        raise ValidationFailed(errors)
    secret = new_secret()
    expires_at = utcnow() + INVITATION_TTL
    row = Invitation(
        organization=organization_id,
        email=email,
        role=role,
        token_hash=hash_secret(secret),
        invited_by=owner.id,
        expires_at=expires_at,
    )
    created = InvitationCreated(row.id, secret, email, cast(Role, role), expires_at)
    async with write_transaction():
        await row.save()
        await audit.record(organization_id, owner, "member.invited", email, role, subject_id=row.id)
        organization = await get_organization(organization_id)
        # Granting a role is a security change: the inviting owner's address hears of it too.
        await notices.tell(
            owner.id, "member_invited", key=f"member_invited:{row.id}",
            values={"organization": organization.name if organization else "", "email": email,
                    "role": role},
        )  # fmt: skip
        # The invitation email: queued with the row or not at all.
        name = organization.name if organization else ""
        await invitation_sent.emit(InvitationSent(created, organization_id, name, owner))
    return created


async def invitation_for(secret: str) -> dict[str, Any] | None:
    """The open invitation behind ``secret``, or None when unknown, used or expired."""
    if not secret or len(secret) > 200:
        return None
    row = (
        await Invitation.select(
            *Invitation.all_columns(), Invitation.organization.name.as_alias("organization_name")
        )
        .where(Invitation.token_hash == hash_secret(secret))
        .first()
    )
    if row is None or row["accepted_at"] is not None or row["expires_at"] < utcnow():
        return None
    return row


class InvitedElsewhere(PermissionDenied):
    """The signed-in account's address is not the invited one, and no proof came with it."""

    title = N_("This invitation is for another address")


def proof_for(invitation_id: uuid.UUID, organizer_id: uuid.UUID) -> str:
    """What the mail to the invited address carries: binds this invitation to one account.

    Stateless (an HMAC under SECRET_KEY): it lives exactly as long as the invitation, which
    is single-use and expires, and it is useless to any other account.
    """
    message = f"{invitation_id}:{organizer_id}".encode()
    return hmac.new(crypto.key("invitation-proof"), message, hashlib.sha256).hexdigest()


def addressed_to(organizer: OrganizerView, invitation: dict[str, Any], proof: str = "") -> bool:
    """Whether ``organizer`` may accept: their account has the invited address, or they
    opened the proof link mailed to it (issue 12.6: the link alone is not enough; the
    owner saw it, and it may be forwarded or leaked)."""
    if normalize_email(organizer.email) == normalize_email(invitation["email"]):
        return True
    expected = proof_for(invitation["id"], organizer.id)
    return bool(proof) and hmac.compare_digest(proof, expected)


async def send_proof(organizer: OrganizerView, secret: str) -> None:
    """Mail the invited address a link that lets ``organizer``'s account accept.

    The mail names the account asking, so the address's owner can tell a stranger's
    request from their own. At most one mail per invitation and account (its key).
    """
    invitation = await invitation_for(secret)
    if invitation is None:
        raise NotFound(N_("This invitation link is invalid, used or expired."))
    proof = proof_for(invitation["id"], organizer.id)
    async with write_transaction():
        await notices.tell_address(
            invitation["email"],
            "invitation_proof",
            key=f"invitation_proof:{invitation['id']}:{organizer.id}",
            values={
                "path": f"/invitations/{secret}?proof={proof}",
                "organization": invitation["organization_name"],
                "who": organizer.display_name,
                "account": organizer.email,
            },
        )


async def accept_invitation(organizer: OrganizerView, secret: str, proof: str = "") -> uuid.UUID:
    """Make ``organizer`` a member with the invited role; the link then stops working.

    Only the invited address may accept (``addressed_to``): else ``InvitedElsewhere``.
    Someone who is already a member keeps their role. Marking the invitation used is a
    conditional update, so of two simultaneous accepts exactly one wins.
    """
    invitation = await invitation_for(secret)
    if invitation is None:
        raise NotFound(N_("This invitation link is invalid, used or expired."))
    if not addressed_to(organizer, invitation, proof):
        raise InvitedElsewhere(N_("Sign in with the invited address, or confirm it by email."))
    organization_id = invitation["organization"]
    async with write_transaction(lock=f"members:{organization_id}"):
        claimed = (
            await Invitation.update({Invitation.accepted_at: utcnow()})
            .where((Invitation.id == invitation["id"]) & Invitation.accepted_at.is_null())
            .returning(Invitation.id)
        )
        if not claimed:
            raise NotFound(N_("This invitation link is invalid, used or expired."))
        if await membership_row(organizer.id, organization_id) is None:
            await Membership(
                organization=organization_id, organizer=organizer.id, role=invitation["role"]
            ).save()
        await audit.record(
            organization_id, organizer, "invitation.accepted", organizer.display_name,
            invitation["role"], subject_id=invitation["id"],
        )  # fmt: skip
    return organization_id


async def remove_member(
    owner: OrganizerView, organization_id: uuid.UUID, membership_id: uuid.UUID
) -> None:
    await require_role(owner, organization_id, "owner")
    # One lock per organization's member list: two owners removing each other at the same
    # moment must not leave it without an owner.
    async with write_transaction(lock=f"members:{organization_id}"):
        target = (
            await Membership.select()
            .where((Membership.id == membership_id) & (Membership.organization == organization_id))
            .first()
        )
        if target is None:
            raise NotFound(N_("No such member"))
        if target["role"] == "owner":
            owners = await Membership.count().where(
                (Membership.organization == organization_id) & (Membership.role == "owner")
            )
            if owners <= 1:
                raise Conflict(N_("An organization needs at least one owner."))
        await Membership.delete().where(Membership.id == membership_id)
        name = await audit.organizer_name(target["organizer"])
        await audit.record(organization_id, owner, "member.removed", name, target["role"])
        organization = await get_organization(organization_id)
        await notices.tell(
            owner.id, "member_removed",
            values={"organization": organization.name if organization else "", "member": name,
                    "role": target["role"]},
        )  # fmt: skip
