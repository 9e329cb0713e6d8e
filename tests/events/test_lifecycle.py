"""Edit, publish, cancel, duplicate: roles, the calendar's ``sequence``, ``updated_at``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.events import changes
from server.events.tables import Event
from tests.events.helpers import add_member, create_event, event_json, member_with_org


async def _put(
    client: httpx.AsyncClient, member: Any, event_id: str, **change: Any
) -> httpx.Response:
    return await client.put(
        f"/api/v1/events/{event_id}", json=event_json(**change), headers=member.bearer
    )


async def test_new_event_is_a_draft_with_sequence_zero(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    body = await create_event(client, member)
    assert body["status"] == "draft"
    assert body["sequence"] == 0
    assert body["lat"] == pytest.approx(52.52437)  # the city's point, from the gazetteer
    assert body["country"] == "DE"


@pytest.mark.parametrize(
    "change",
    [
        {"starts_at": "2026-12-05T18:30:00"},
        {"ends_at": "2026-12-05T21:00:00"},
        {"title": "Vigil for Chechnya — moved"},
        {"venue_name": "Brandenburger Tor"},
        {"address": "Platz des 18. März, 10117 Berlin"},
        {"city": "Hamburg"},
        {"timezone": "Europe/London"},
        {"description": "Bring candles."},
        {"lat": 52.5163, "lon": 13.3777},
    ],
)
async def test_calendar_visible_edits_bump_sequence(
    client: httpx.AsyncClient, change: dict[str, Any]
) -> None:
    member = await member_with_org()
    body = await create_event(client, member)
    response = await _put(client, member, body["id"], **change)
    assert response.status_code == 200, response.text
    assert response.json()["sequence"] == 1
    assert response.json()["updated_at"] > body["updated_at"]


async def test_noop_and_private_edits_do_not_bump_sequence(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    body = await create_event(client, member)
    version = await changes.current()
    same = await _put(client, member, body["id"])
    assert same.status_code == 200
    assert same.json()["sequence"] == 0
    assert same.json()["updated_at"] > body["updated_at"]  # it was still saved
    capacity = await _put(client, member, body["id"], capacity=40)
    assert capacity.json()["sequence"] == 0
    assert capacity.json()["capacity"] == 40
    changes.forget()
    assert await changes.current() > version  # cached public answers go stale anyway


async def test_publish_cancel_and_publish_again(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    body = await create_event(client, member)
    published = await client.post(f"/api/v1/events/{body['id']}/publish", headers=member.bearer)
    assert published.status_code == 200
    assert (published.json()["status"], published.json()["sequence"]) == ("published", 1)
    again = await client.post(f"/api/v1/events/{body['id']}/publish", headers=member.bearer)
    assert again.json()["sequence"] == 1  # already published: nothing changed

    cancelled = await client.post(f"/api/v1/events/{body['id']}/cancel", headers=member.bearer)
    assert (cancelled.json()["status"], cancelled.json()["sequence"]) == ("cancelled", 2)
    row = await Event.select(Event.cancelled_at).where(Event.id == body["id"]).first()
    assert row is not None and row["cancelled_at"] is not None

    # Still visible to the public, marked cancelled.
    public = await client.get(f"/api/v1/events/{body['id']}")
    assert public.status_code == 200 and public.json()["status"] == "cancelled"
    page = await client.get(f"/events/{body['id']}")
    assert "This event has been cancelled." in page.text

    back = await client.post(f"/api/v1/events/{body['id']}/publish", headers=member.bearer)
    assert (back.json()["status"], back.json()["sequence"]) == ("published", 3)


async def test_a_draft_cannot_be_cancelled(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    body = await create_event(client, member)
    response = await client.post(f"/api/v1/events/{body['id']}/cancel", headers=member.bearer)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_duplicate_is_a_new_draft_with_the_same_details(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    body = await create_event(client, member, publish=True, capacity=25)
    response = await client.post(f"/api/v1/events/{body['id']}/duplicate", headers=member.bearer)
    assert response.status_code == 201
    copy = response.json()
    assert copy["id"] != body["id"]
    assert (copy["status"], copy["sequence"]) == ("draft", 0)
    for key in ("title", "starts_at", "ends_at", "timezone", "address", "capacity", "lat"):
        assert copy[key] == body[key]
    assert await Event.count() == 2


async def test_viewer_role_may_read_but_not_write(client: httpx.AsyncClient) -> None:
    """A viewer is a member: they see drafts (200) but get 403 on every write."""
    owner = await member_with_org()
    viewer = await add_member(owner, "viewer")
    body = await create_event(client, owner)
    seen = await client.get(f"/api/v1/events/{body['id']}", headers=viewer.bearer)
    assert seen.status_code == 200 and seen.json()["status"] == "draft"
    writes = [
        client.put(f"/api/v1/events/{body['id']}", json=event_json(), headers=viewer.bearer),
        client.post(f"/api/v1/events/{body['id']}/publish", headers=viewer.bearer),
        client.post(f"/api/v1/events/{body['id']}/duplicate", headers=viewer.bearer),
        client.post(
            f"/api/v1/organizations/{owner.org_id}/events",
            json=event_json(),
            headers=viewer.bearer,
        ),
        client.post(
            f"/api/v1/organizations/{owner.org_id}/campaigns",
            json={"title": "x"},
            headers=viewer.bearer,
        ),
    ]
    for write in writes:
        response = await write
        assert response.status_code == 403, response.text
    assert await Event.count() == 1


async def test_organizer_role_may_write(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    organizer = await add_member(owner, "organizer")
    body = await create_event(client, organizer)
    response = await client.post(f"/api/v1/events/{body['id']}/publish", headers=organizer.bearer)
    assert response.status_code == 200


async def test_writes_need_a_signed_in_organizer(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    body = await create_event(client, owner)
    response = await client.post(f"/api/v1/events/{body['id']}/publish")
    assert response.status_code in (401, 403)  # 403 when CSRF rejects a cookieless POST
    row = await Event.select(Event.status).where(Event.id == body["id"]).first()
    assert row is not None and row["status"] == "draft"


async def test_campaigns_are_created_and_listed(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    created = await client.post(
        f"/api/v1/organizations/{member.org_id}/campaigns",
        json={"title": "#DontTurnAway", "description": "Chechnya"},
        headers=member.bearer,
    )
    assert created.status_code == 201
    campaign = created.json()
    event = await create_event(client, member, publish=True, campaign_id=campaign["id"])
    assert event["campaign"] == {"id": campaign["id"], "title": "#DontTurnAway"}
    listed = await client.get(f"/api/v1/organizations/{member.org_id}/campaigns")
    assert [c["title"] for c in listed.json()] == ["#DontTurnAway"]
    bad = await client.post(
        f"/api/v1/organizations/{member.org_id}/campaigns",
        json={"title": ""},
        headers=member.bearer,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "title"
