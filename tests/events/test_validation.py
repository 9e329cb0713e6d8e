"""Bad input: a clear 422 naming each field (API problem+json, inline form errors), and
nothing written (invariant 7)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from server.events.tables import Event
from tests.events.helpers import event_form, event_json, member_with_org, post_form, sign_in

BAD_FIELDS: list[tuple[str, dict[str, Any]]] = [
    ("title", {"title": "   "}),
    ("title", {"title": "x" * 201}),
    ("description", {"description": "x" * 20_001}),
    ("ends_at", {"ends_at": "2026-12-05T17:00:00"}),
    ("starts_at", {"starts_at": "2035-01-01T18:00:00", "ends_at": "2035-01-01T20:00:00"}),
    ("timezone", {"timezone": "Mars/Olympus_Mons"}),
    ("timezone", {"city": "Nowhereville", "country": ""}),
    ("lat", {"lat": 91.0, "lon": 13.4}),
    ("lon", {"lat": 52.5, "lon": 181.0}),
    ("lon", {"lat": 52.5}),
    ("country", {"country": "XX"}),
    ("capacity", {"capacity": -1}),
    ("online_url", {"online_url": "javascript:alert(1)"}),
    ("online_url", {"online_url": "ftp://example.org/x"}),
    ("city", {"city": "", "address_visibility": "attendees", "timezone": "Europe/Berlin"}),
    ("kind", {"kind": "riot"}),
    ("venue_name", {"venue_name": "v" * 201}),
    ("address", {"address": "a" * 301}),
    ("title", {"title": "nul\x00byte"}),
]


async def _event_count() -> int:
    return await Event.count()


@pytest.mark.parametrize(("field", "change"), BAD_FIELDS)
async def test_api_names_the_bad_field_and_writes_nothing(
    client: httpx.AsyncClient, field: str, change: dict[str, Any]
) -> None:
    member = await member_with_org()
    response = await client.post(
        f"/api/v1/organizations/{member.org_id}/events",
        json=event_json(**change),
        headers=member.bearer,
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in response.json()["errors"]}
    assert field in fields
    assert await _event_count() == 0


async def test_api_reports_every_bad_field_at_once(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    response = await client.post(
        f"/api/v1/organizations/{member.org_id}/events",
        json=event_json(title="", capacity=-5, country="ZZ", online_url="mailto:x@y.z"),
        headers=member.bearer,
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"title", "capacity", "country", "online_url"} <= fields


async def test_api_campaign_of_another_organization_is_refused(
    client: httpx.AsyncClient,
) -> None:
    ours, theirs = await member_with_org(), await member_with_org(name="Other")
    created = await client.post(
        f"/api/v1/organizations/{theirs.org_id}/campaigns",
        json={"title": "Theirs"},
        headers=theirs.bearer,
    )
    assert created.status_code == 201
    response = await client.post(
        f"/api/v1/organizations/{ours.org_id}/events",
        json=event_json(campaign_id=created.json()["id"]),
        headers=ours.bearer,
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["campaign_id"]
    assert await _event_count() == 0


async def test_api_wrong_types_are_a_4xx_naming_the_field(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    response = await client.post(
        f"/api/v1/organizations/{member.org_id}/events",
        json=event_json(starts_at="next tuesday"),
        headers=member.bearer,
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "starts_at" in response.text
    assert await _event_count() == 0


async def test_update_with_bad_input_changes_nothing(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    created = await client.post(
        f"/api/v1/organizations/{member.org_id}/events", json=event_json(), headers=member.bearer
    )
    event_id = created.json()["id"]
    response = await client.put(
        f"/api/v1/events/{event_id}",
        json=event_json(title="New title", ends_at="2026-12-05T10:00:00"),
        headers=member.bearer,
    )
    assert response.status_code == 422
    again = await client.get(f"/api/v1/events/{event_id}", headers=member.bearer)
    assert again.json()["title"] == "Vigil for Chechnya"
    assert again.json()["sequence"] == 0


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("title", {"title": ""}),
        ("starts_at", {"starts_at": "not a date"}),
        ("ends_at", {"ends_at": ""}),
        ("ends_at", {"ends_at": "2026-12-05T17:00"}),
        ("timezone", {"timezone": "Nowhere/Land"}),
        ("lat", {"lat": "north", "lon": "13.4"}),
        ("capacity", {"capacity": "many"}),
        ("country", {"country": "QQ"}),
        ("online_url", {"online_url": "javascript:alert(1)"}),
    ],
)
async def test_form_shows_inline_errors_and_keeps_input(
    client: httpx.AsyncClient, field: str, change: dict[str, str]
) -> None:
    member = await member_with_org()
    await sign_in(client, member.email)
    page = f"/organizer/orgs/{member.org_id}/events/new"
    form = event_form(**{"title": "Keep <this> title", **change})
    response = await post_form(client, page, page, form)
    assert response.status_code == 422
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    assert f'id="{field}-error"' in html
    # The field is marked invalid and points at its message.
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', html) or re.search(
        rf'id="f-{field}" name="{field}"[^>]*aria-invalid="true"', html
    )
    if field != "title":
        assert "Keep &lt;this&gt; title" in html  # kept, and escaped
    assert await _event_count() == 0


async def test_form_reports_parse_and_rule_errors_together(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    await sign_in(client, member.email)
    page = f"/organizer/orgs/{member.org_id}/events/new"
    form = event_form(starts_at="garbage", title="", capacity="-3")
    response = await post_form(client, page, page, form)
    assert response.status_code == 422
    for field in ("starts_at", "title", "capacity"):
        assert f'id="{field}-error"' in response.text
    assert await _event_count() == 0
