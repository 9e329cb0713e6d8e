"""The waitlist moves: cancellations, more places and organizer changes promote people;
event changes and cancellations reach everyone signed up."""

from __future__ import annotations

import httpx

from server.signups import notices
from tests.signups.helpers import (
    mails_to,
    manage_token,
    person,
    published_event,
    rsvp_confirmed,
    signups_of,
    soon,
)


async def test_cancel_promotes_the_first_who_fit(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client, capacity=2, max_guests=2)
    going = [person(1), person(2)]
    for p in going:
        await rsvp_confirmed(client, event["id"], p)
    group, single, later = person("group", guests=2), person("single"), person("later")
    for p in (group, single, later):
        assert (await rsvp_confirmed(client, event["id"], p)).json()["status"] == "waitlisted"
    token = await manage_token(going[0]["email"])
    cancelled = await client.delete("/api/v1/signups/manage", headers={"X-Manage-Token": token})
    assert cancelled.status_code == 200
    rows = {r["email"]: r for r in await signups_of(event["id"])}
    # One place: the group of three does not fit and keeps its place in the queue.
    assert rows[group["email"]]["status"] == "waitlisted"
    assert rows[single["email"]]["status"] == "going"
    assert rows[single["email"]]["promoted_at"] is not None
    assert rows[later["email"]]["status"] == "waitlisted"
    mail = [m for m in await mails_to(single["email"]) if m["kind"] == "waitlist_promotion"]
    assert len(mail) == 1 and mail[0]["ics"]  # a calendar invitation with it


async def test_more_places_on_the_event_promote_at_once(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client, capacity=1)
    await rsvp_confirmed(client, event["id"])
    waiting = [person(n) for n in range(3)]
    for p in waiting:
        await rsvp_confirmed(client, event["id"], p)
    body = {
        "title": event["title"],
        "starts_at": soon(),
        "ends_at": soon(hour=20),
        "city": "Berlin",
        "country": "DE",
        "address": "Pariser Platz 1, 10117 Berlin",
        "capacity": 3,
    }
    updated = await client.put(f"/api/v1/events/{event['id']}", json=body, headers=member.bearer)
    assert updated.status_code == 200, updated.text
    rows = {r["email"]: r["status"] for r in await signups_of(event["id"])}
    assert [rows[p["email"]] for p in waiting] == ["going", "going", "waitlisted"]


async def test_event_changes_and_cancellations_reach_attendees(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client, capacity=1)
    going, waiting = person(1), person(2)
    await rsvp_confirmed(client, event["id"], going)
    await rsvp_confirmed(client, event["id"], waiting)
    await notices.flush()
    body = {
        "title": event["title"],
        "starts_at": soon(hour=19),
        "ends_at": soon(hour=21),
        "city": "Berlin",
        "country": "DE",
        "address": "Pariser Platz 1, 10117 Berlin",
        "capacity": 1,
    }
    assert (
        await client.put(f"/api/v1/events/{event['id']}", json=body, headers=member.bearer)
    ).status_code == 200
    assert "event_changed" in [m["kind"] for m in await mails_to(going["email"])]
    assert "event_changed" in [m["kind"] for m in await mails_to(waiting["email"])]
    assert (
        await client.post(f"/api/v1/events/{event['id']}/cancel", headers=member.bearer)
    ).status_code == 200
    for p in (going, waiting):
        assert "event_cancelled" in [m["kind"] for m in await mails_to(p["email"])]


async def test_pending_notices_are_sent_in_the_background(client: httpx.AsyncClient) -> None:
    import asyncio

    _, event = await published_event(client)
    stop = asyncio.Event()
    sender = asyncio.create_task(notices.run(stop, poll_s=30))
    try:
        me = person(1)
        await rsvp_confirmed(client, event["id"], me)  # wakes the sender: no 30 s wait
        for _ in range(200):
            [row] = await signups_of(event["id"])
            if row["notice"] == "":
                break
            await asyncio.sleep(0.01)
        assert row["notice"] == ""
    finally:
        stop.set()
        await sender
    from server.mail.tables import Outbox

    kinds = [r["kind"] for r in await Outbox.select().where(Outbox.recipient == me["email"])]
    assert "rsvp_confirmation" in kinds
