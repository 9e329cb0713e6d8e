"""``muster demo``: loads once into an empty database, through the services, never in production."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import click
import httpx
import pytest
from litestar import Litestar

from server.demo import load_demo
from server.demo.accounts import ADMIN_EMAIL, ORGANIZER_EMAIL, ORGANIZER_PASSWORD
from server.events.tables import Campaign, Event
from server.settings import Settings
from tests.conftest import csrf_token


async def test_demo_loads_into_an_empty_database_once(
    app: Litestar, client: httpx.AsyncClient, settings: Settings
) -> None:
    message = await load_demo(settings)
    assert ORGANIZER_EMAIL in message and ORGANIZER_PASSWORD in message
    assert ADMIN_EMAIL in message
    rows = await Event.select()
    assert len(rows) >= 16
    assert sum(r["status"] == "published" for r in rows) >= 15
    assert sum(r["status"] == "draft" for r in rows) == 1
    assert any(r["address_visibility"] == "attendees" for r in rows)
    assert any(r["capacity"] is not None for r in rows)
    assert any(r["online_url"] and not r["city"] for r in rows)
    cities = {r["city"] for r in rows}
    assert {"Geneva", "The Hague", "Toronto", "Vilnius", "New York"} <= cities
    now = datetime.now(UTC)
    assert all(now < r["starts_at"] < now + timedelta(weeks=7) for r in rows)
    geneva = next(r for r in rows if r["city"] == "Geneva")
    assert "Place des Nations" in geneva["venue_name"]
    assert geneva["timezone"] == "Europe/Zurich"
    assert geneva["starts_at"].astimezone(ZoneInfo("Europe/Zurich")).hour == 12  # local noon
    assert await Campaign.count() == 1

    # The organization is approved: its published events are public.
    published = next(r for r in rows if r["status"] == "published" and r["city"] == "Oslo")
    assert (await client.get(f"/events/{published['id']}")).status_code == 200

    # The printed credentials work on the login page.
    token = await csrf_token(client, "/login")
    login = await client.post(
        "/login",
        data={"email": ORGANIZER_EMAIL, "password": ORGANIZER_PASSWORD, "_csrf_token": token},
    )
    assert login.status_code == 303

    again = await load_demo(settings)
    assert again.startswith("Database already has data; demo not loaded.")
    assert await Event.count() == len(rows)


async def test_demo_refuses_production(app: Litestar, settings: Settings) -> None:
    production = replace(settings, environment="production")
    with pytest.raises(click.ClickException):
        await load_demo(production)
    assert await Event.count() == 0
