"""Admins approve organizations: until then none of their events is public.

The pending list shows each organization's owners (names and addresses), so an admin
can judge who asks; the note records why we trust them.
"""

from __future__ import annotations

import uuid

from server.accounts.service import OrganizationView, OrganizerView, organization_view
from server.accounts.tables import Membership, Organization
from server.db import write_transaction
from server.errors import Conflict, NotFound, ValidationFailed
from server.i18n import N_
from server.text import has_control_chars
from server.tokens import utcnow


async def pending_organizations() -> list[OrganizationView]:
    rows = (
        await Organization.select()
        .where(Organization.approved_at.is_null())
        .order_by(Organization.created_at)
    )
    return [organization_view(r) for r in rows]


async def pending_owners(organization_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Owner names and emails per organization, so an admin can judge who asks for approval."""
    if not organization_ids:
        return {}
    rows = await Membership.select(
        Membership.organization,
        Membership.organizer.display_name.as_alias("display_name"),
        Membership.organizer.email.as_alias("email"),
    ).where(Membership.organization.is_in(organization_ids) & (Membership.role == "owner"))
    owners: dict[uuid.UUID, list[str]] = {}
    for row in rows:
        owners.setdefault(row["organization"], []).append(f"{row['display_name']} <{row['email']}>")
    return owners


async def approve_organization(
    admin: OrganizerView, organization_id: uuid.UUID, note: str
) -> OrganizationView:
    """Make the organization's events public; the note records why we trust them."""
    if not admin.is_admin:
        raise NotFound(N_("No such organization"))
    note = note.strip()
    if not note:
        raise ValidationFailed({"note": N_("Say in a few words why we trust this organization.")})
    if len(note) > 2000:
        raise ValidationFailed({"note": N_("Use at most 2,000 characters.")})
    if has_control_chars(note):
        raise ValidationFailed({"note": N_("Remove the control characters.")})
    async with write_transaction(lock=f"organization:{organization_id}"):
        row = await Organization.select().where(Organization.id == organization_id).first()
        if row is None:
            raise NotFound(N_("No such organization"))
        if row["approved_at"] is not None:
            raise Conflict(N_("This organization is already approved."))
        await Organization.update(
            {
                Organization.approved_at: utcnow(),
                Organization.approved_by: admin.id,
                Organization.approval_note: note,
            }
        ).where(Organization.id == organization_id)
    return OrganizationView(row["id"], row["name"], row["description"], True)
