"""RSVP through the API: statuses, capacity with guests, waitlists, approval, privacy."""

from __future__ import annotations

import httpx

from tests.signups.helpers import (
    confirm,
    mails_to,
    manage_token,
    person,
    published_event,
    rsvp,
    rsvp_confirmed,
    signups_of,
    statuses,
)


async def test_rsvp_goes_at_once_where_places_are_not_counted(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client, max_guests=2)
    first = await rsvp(client, event["id"], person(1, guests=1))
    assert first.status_code == 201, first.text
    assert first.json() | {"message": ""} == {
        "status": "going",
        "event_id": event["id"],
        "shift_id": None,
        "guests": 1,
        "position": None,
        "message": "",
    }
    assert "manage" not in first.text.lower().replace("manage your rsvp", "")
    assert first.headers["cache-control"] == "no-store"
    assert await statuses(event["id"]) == {"going": 1}


async def test_counted_places_go_then_waitlist_in_the_order_confirmed(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client, capacity=3, max_guests=2)
    first = person(1, guests=1)
    answer = await rsvp(client, event["id"], first)
    assert answer.json()["status"] == "unconfirmed" and answer.json()["position"] is None
    assert "Confirm from the email" in answer.json()["message"]
    assert await statuses(event["id"]) == {"unconfirmed": 1}  # it holds nothing yet
    assert (await confirm(client, first["email"])).json()["status"] == "going"
    # One place left: a person with a guest does not fit, one alone does.
    second = await rsvp_confirmed(client, event["id"], person(2, guests=1))
    assert second.json()["status"] == "waitlisted" and second.json()["position"] == 1
    assert (await rsvp_confirmed(client, event["id"], person(3))).json()["status"] == "going"
    fourth = await rsvp_confirmed(client, event["id"], person(4))
    assert fourth.json()["status"] == "waitlisted" and fourth.json()["position"] == 2
    assert await statuses(event["id"]) == {"going": 2, "waitlisted": 2}


async def test_same_email_again_writes_nothing_and_keeps_the_link(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client)
    me = person(1)
    first = await rsvp(client, event["id"], me)
    link = await manage_token(me["email"])
    again = await rsvp(client, event["id"], {**me, "email": me["email"].upper()})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert len(await signups_of(event["id"])) == 1
    assert await manage_token(me["email"]) == link  # no new link was mailed
    assert link not in again.text
    mine = await client.get("/api/v1/signups/manage", headers={"X-Manage-Token": link})
    assert mine.status_code == 200 and mine.json()["status"] == "going"


async def test_answer_does_not_reveal_a_known_address(client: httpx.AsyncClient) -> None:
    """On a full event the person already going and a newcomer get the same answer."""
    _, event = await published_event(client, capacity=1)
    me = person(1)
    assert (await rsvp_confirmed(client, event["id"], me)).json()["status"] == "going"
    kinds = [m["kind"] for m in await mails_to(me["email"])]
    known = await rsvp(client, event["id"], me)
    stranger = await rsvp(client, event["id"], person(2))
    assert known.json() == stranger.json()
    assert known.json()["status"] == "unconfirmed"
    # The truth went to the mailbox: "you are already signed up", and nothing else.
    after = [m["kind"] for m in await mails_to(me["email"])]
    assert after == [*kinds, "rsvp_again"]


async def test_full_without_waitlist_is_a_clear_409_and_writes_nothing(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client, capacity=1, waitlist_enabled=False)
    assert (await rsvp_confirmed(client, event["id"])).status_code == 200
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
