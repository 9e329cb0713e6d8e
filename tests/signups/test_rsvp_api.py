"""RSVP through the API: statuses, capacity with guests, waitlists, approval, privacy."""

from __future__ import annotations

import httpx

from tests.signups.helpers import (
    mails_to,
    manage_token,
    person,
    published_event,
    rsvp,
    signups_of,
    statuses,
)


async def test_rsvp_goes_then_waitlists_with_positions(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client, capacity=3, max_guests=2)
    first = await rsvp(client, event["id"], person(1, guests=1))
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "going" and body["position"] is None
    assert "manage" not in first.text.lower().replace("manage your rsvp", "")
    # One place left: a person with a guest does not fit, one alone does.
    second = await rsvp(client, event["id"], person(2, guests=1))
    assert second.json()["status"] == "waitlisted" and second.json()["position"] == 1
    third = await rsvp(client, event["id"], person(3))
    assert third.json()["status"] == "going"
    fourth = await rsvp(client, event["id"], person(4))
    assert fourth.json() | {"message": ""} == {
        "status": "waitlisted",
        "event_id": event["id"],
        "shift_id": None,
        "guests": 0,
        "position": 2,
        "message": "",
    }
    assert await statuses(event["id"]) == {"going": 2, "waitlisted": 2}
    assert first.headers["cache-control"] == "no-store"


async def test_same_email_again_returns_no_duplicate_and_mails_a_fresh_link(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client)
    me = person(1)
    first = await rsvp(client, event["id"], me)
    old = await manage_token(me["email"])
    again = await rsvp(client, event["id"], {**me, "email": me["email"].upper()})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert len(await signups_of(event["id"])) == 1
    new = await manage_token(me["email"])
    assert new != old
    assert old not in again.text and new not in again.text
    # The old link stopped working; the new one works.
    gone = await client.get("/api/v1/signups/manage", headers={"X-Manage-Token": old})
    assert gone.status_code == 404
    mine = await client.get("/api/v1/signups/manage", headers={"X-Manage-Token": new})
    assert mine.status_code == 200 and mine.json()["status"] == "going"


async def test_answer_does_not_reveal_a_known_address(client: httpx.AsyncClient) -> None:
    """On a full event the person already going and a newcomer get the same answer."""
    _, event = await published_event(client, capacity=1)
    me = person(1)
    assert (await rsvp(client, event["id"], me)).json()["status"] == "going"
    assert len(await mails_to(me["email"])) == 3  # the confirmation and two reminders
    known = await rsvp(client, event["id"], me)
    stranger = await rsvp(client, event["id"], person(2))
    assert known.json()["status"] == "waitlisted" and known.json()["position"] == 1
    assert stranger.json()["status"] == "waitlisted"
    # The truth went to the mailbox: "you're going".
    confirmations = [m for m in await mails_to(me["email"]) if m["kind"] == "rsvp_confirmation"]
    assert len(confirmations) == 2
    assert all("You're going" in m["subject"] for m in confirmations)


async def test_full_without_waitlist_is_a_clear_409_and_writes_nothing(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client, capacity=1, waitlist_enabled=False)
    assert (await rsvp(client, event["id"])).status_code == 201
    full = await rsvp(client, event["id"])
    assert full.status_code == 409
    assert full.headers["content-type"].startswith("application/problem+json")
    assert full.json()["detail"] == "This event is full."
    assert await statuses(event["id"]) == {"going": 1}


async def test_approval_events_make_pending_signups(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client, requires_approval=True, capacity=1)
    body = (await rsvp(client, event["id"])).json()
    assert body["status"] == "pending"
    assert await statuses(event["id"]) == {"pending": 1}
