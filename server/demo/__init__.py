"""Demo data for ``muster demo`` (and ``make run``): one approved organization, its
organizer and an admin (``accounts``), the #DontTurnAway campaign with rallies in sixteen
cities and an online phone bank (``events``), and the campaign's actions (``actions``).

Everything goes through the services, so demo data obeys the same rules as real data.
It loads only into a database without organizers, and never in production: the
passwords are public.
"""

from __future__ import annotations

import click

from server.accounts.tables import Organizer
from server.demo.accounts import ORGANIZATION, credentials, load_accounts
from server.demo.actions import load_actions
from server.demo.events import CAMPAIGN, load_events
from server.settings import Settings

__all__ = ["load_demo"]


async def load_demo(settings: Settings | None = None) -> str:
    """Load the demo into an empty database; says what it did (credentials included)."""
    settings = settings or Settings.from_env()
    if settings.is_production:
        raise click.ClickException("refusing to load demo data (public passwords) in production")
    if await Organizer.count() > 0:
        return "Database already has data; demo not loaded.\nDemo accounts, if loaded before:\n" + (
            credentials()
        )

    organizer, organization_id = await load_accounts()
    campaign_id, events = await load_events(organizer, organization_id)
    actions = await load_actions(organizer, organization_id, campaign_id)
    return (
        f"Demo loaded: {ORGANIZATION}, campaign {CAMPAIGN!r}, {events} events, "
        f"{actions} actions.\n"
        f"Sign in at {settings.base_url}/login with\n{credentials()}"
    )
