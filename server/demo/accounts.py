"""The demo's people: an admin, an organizer, and the organizer's approved organization.

The passwords are public, which is why the demo never loads in production.
"""

from __future__ import annotations

import uuid

from server.accounts import approvals
from server.accounts import service as accounts
from server.accounts.service import OrganizerView

ORGANIZER_EMAIL = "organizer@demo.muster.invalid"
ORGANIZER_PASSWORD = "muster-demo-organizer"
ADMIN_EMAIL = "admin@demo.muster.invalid"
ADMIN_PASSWORD = "muster-demo-admin"
ORGANIZATION = "Rainbow Solidarity Network (demo)"


def credentials() -> str:
    return (
        f"  organizer: {ORGANIZER_EMAIL} / {ORGANIZER_PASSWORD}\n"
        f"  admin:     {ADMIN_EMAIL} / {ADMIN_PASSWORD}"
    )


async def load_accounts() -> tuple[OrganizerView, uuid.UUID]:
    """Create both accounts and the organization (approved, so its events are public)."""
    admin, _ = await accounts.make_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
    organizer = await accounts.register_organizer(
        ORGANIZER_EMAIL, ORGANIZER_PASSWORD, "Demo Organizer"
    )
    org = await accounts.create_organization(
        organizer,
        ORGANIZATION,
        "A demo organization: volunteers who support LGBTI people fleeing persecution.",
    )
    await approvals.approve_organization(admin, org.id, "Demo data")
    return organizer, org.id
