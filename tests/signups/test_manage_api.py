"""A signup managed through the API with its token in a header (never in the URL)."""

from __future__ import annotations

import httpx

from server.signups import service
from tests.signups.helpers import (
    add_shift,
    person,
    published_event,
    rsvp_confirmed,
    signups_of,
)


async def _token(event_id: str, email: str) -> str:
    row = next(r for r in await signups_of(event_id) if r["email"] == email)
    return await service.issue_manage_link(row["id"])


async def test_get_patch_delete_with_the_token_header(client: httpx.AsyncClient) -> None:
    member, event = await published_event(
        client, capacity=2, max_guests=1, address_visibility="attendees", address="Quiet Yard 3"
    )
    shift = await add_shift(client, member, event["id"], role="Sign-holder")
    first, second = person(1), person(2)
    await rsvp_confirmed(client, event["id"], first)
    await rsvp_confirmed(
        client,
        event["id"],
        second,
    )
    await rsvp_confirmed(client, event["id"], person(3))  # waitlisted
    token = await _token(event["id"], first["email"])
    headers = {"X-Manage-Token": token}
    mine = await client.get("/api/v1/signups/manage", headers=headers)
    assert mine.status_code == 200
    body = mine.json()
    assert body["status"] == "going" and body["event"]["address"] == "Quiet Yard 3"
    assert mine.headers["cache-control"] == "no-store"
    # Full: a guest does not fit; nothing changes.
    too_many = await client.patch("/api/v1/signups/manage", json={"guests": 1}, headers=headers)
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "guests"
    moved = await client.patch(
        "/api/v1/signups/manage",
        json={"shift_id": shift["id"]},
        headers=headers,
    )
    assert moved.status_code == 200 and moved.json()["shift"]["role"] == "Sign-holder"
    kept = await client.patch("/api/v1/signups/manage", json={}, headers=headers)
    assert kept.json()["shift"]["role"] == "Sign-holder"  # omitted: unchanged
    left = await client.patch("/api/v1/signups/manage", json={"shift_id": None}, headers=headers)
    assert left.status_code == 200 and left.json()["shift"] is None
    gone = await client.delete("/api/v1/signups/manage", headers=headers)
    assert gone.status_code == 200 and gone.json()["status"] == "cancelled"
    assert gone.json()["event"]["address"] is None  # no longer going: no address
    # The first on the waitlist got the place.
    statuses = sorted(r["status"] for r in await signups_of(event["id"]))
    assert statuses == ["cancelled", "going", "going"]


async def test_waitlisted_signup_sees_no_address_and_its_position(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(
        client, capacity=1, address_visibility="attendees", address="Quiet Yard 3"
    )
    await rsvp_confirmed(client, event["id"])
    me = person(2)
    await rsvp_confirmed(client, event["id"], me)
    token = await _token(event["id"], me["email"])
    body = (await client.get("/api/v1/signups/manage", headers={"X-Manage-Token": token})).json()
    assert body["status"] == "waitlisted" and body["position"] == 1
    assert body["event"]["address"] is None and body["event"]["venue_name"] is None
    page = await client.get(f"/m/{token}")
    assert "Quiet Yard 3" not in page.text and "number 1 on the waitlist" in page.text


async def test_missing_or_wrong_token(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/signups/manage")).status_code == 400
    wrong = await client.get("/api/v1/signups/manage", headers={"X-Manage-Token": "nope" * 11})
    assert wrong.status_code == 404
    assert wrong.headers["content-type"].startswith("application/problem+json")


async def test_openapi_lists_the_signup_endpoints(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/events/{event_id}/signups",
        "/api/v1/events/{event_id}/availability",
        "/api/v1/signups/manage",
        "/api/v1/events/{event_id}/attendees",
        "/api/v1/signups/{signup_id}/{action}",
        "/api/v1/events/{event_id}/shifts",
        "/api/v1/shifts/{shift_id}",
    ):
        assert path in paths, path
    post = paths["/api/v1/events/{event_id}/signups"]["post"]
    assert "422" in post["responses"] and "429" in post["responses"]
    manage = paths["/api/v1/signups/manage"]["get"]
    assert any(p["name"] == "X-Manage-Token" and p["in"] == "header" for p in manage["parameters"])
