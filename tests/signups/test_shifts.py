"""Shifts: their own capacity inside the event's, CRUD, and shrinking with a choice."""

from __future__ import annotations

import httpx

from tests.conftest import csrf_token
from tests.events.helpers import add_member, member_with_org, sign_in
from tests.signups.helpers import (
    add_shift,
    mails_to,
    person,
    published_event,
    rsvp_confirmed,
    shift_count,
    signups_of,
    soon,
)


async def test_shift_and_event_capacity_both_hold(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client, capacity=3, max_guests=1)
    marshal = await add_shift(client, member, event["id"], capacity=2)
    assert marshal["places_left"] == 2
    a = await rsvp_confirmed(client, event["id"], person(1, shift_id=marshal["id"], guests=1))
    assert a.json()["status"] == "going" and a.json()["shift"]["id"] == marshal["id"]
    # The shift is full (1 + 1 guest), the event has one place left.
    b = await rsvp_confirmed(client, event["id"], person(2, shift_id=marshal["id"]))
    assert b.json()["status"] == "waitlisted" and b.json()["position"] == 1
    c = await rsvp_confirmed(client, event["id"], person(3))
    assert c.json()["status"] == "going"
    # The event is full now: no shift has room either.
    d = await rsvp_confirmed(client, event["id"], person(4))
    assert (d.json()["status"], d.json()["shift"], d.json()["position"]) == ("waitlisted", None, 1)
    places = (await client.get(f"/api/v1/events/{event['id']}/availability")).json()
    assert places["places_left"] == 0 and places["full"] is True
    assert places["shifts"][0]["places_left"] == 0


async def test_shift_crud_is_for_organizers_of_the_event(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client)
    shift = await add_shift(client, member, event["id"], role="First aid", capacity=4)
    assert shift["starts_at"].endswith("+01:00")  # shown in the event's zone (Berlin, winter)
    other = await member_with_org(name="Other")
    viewer = await add_member(member, "viewer")
    body = {"role": "Medic", "starts_at": soon(hour=17), "ends_at": soon(hour=19)}
    path = f"/api/v1/shifts/{shift['id']}"
    assert (await client.put(path, json=body, headers=other.bearer)).status_code == 404
    assert (await client.put(path, json=body, headers=viewer.bearer)).status_code == 403
    created = await client.post(
        f"/api/v1/events/{event['id']}/shifts", json=body, headers=other.bearer
    )
    assert created.status_code == 404
    updated = await client.put(path, json={**body, "capacity": 6}, headers=member.bearer)
    assert updated.status_code == 200 and updated.json()["role"] == "Medic"
    assert (await client.delete(path, headers=other.bearer)).status_code == 404
    assert (await client.delete(path, headers=member.bearer)).status_code == 204
    assert await shift_count() == 0


async def test_bad_shift_input_names_fields(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client)
    bad = {"role": "", "starts_at": soon(hour=19), "ends_at": soon(hour=17), "capacity": -1}
    answer = await client.post(
        f"/api/v1/events/{event['id']}/shifts", json=bad, headers=member.bearer
    )
    assert answer.status_code == 422
    fields = {e["field"] for e in answer.json()["errors"]}
    assert fields == {"role", "ends_at", "capacity"}
    far = {"role": "Setup", "starts_at": soon(days=40, hour=9), "ends_at": soon(days=40, hour=10)}
    answer = await client.post(
        f"/api/v1/events/{event['id']}/shifts", json=far, headers=member.bearer
    )
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "starts_at"
    assert await shift_count() == 0


async def test_shrinking_below_going_needs_a_choice(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client)
    shift = await add_shift(client, member, event["id"], capacity=3)
    people = [person(n, shift_id=shift["id"]) for n in range(3)]
    for p in people:
        assert (await rsvp_confirmed(client, event["id"], p)).json()["status"] == "going"
    body = {"role": "Marshal", "starts_at": soon(hour=17), "ends_at": soon(hour=19)}
    path = f"/api/v1/shifts/{shift['id']}"
    refused = await client.put(path, json={**body, "capacity": 1}, headers=member.bearer)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "move_to_waitlist"
    assert {r["status"] for r in await signups_of(event["id"])} == {"going"}
    rows = {r["email"]: r for r in await signups_of(event["id"])}
    chosen = [str(rows[people[1]["email"]]["id"]), str(rows[people[2]["email"]]["id"])]
    not_enough = await client.put(
        path, json={**body, "capacity": 1, "move_to_waitlist": chosen[:1]}, headers=member.bearer
    )
    assert not_enough.status_code == 422
    done = await client.put(
        path, json={**body, "capacity": 1, "move_to_waitlist": chosen}, headers=member.bearer
    )
    assert done.status_code == 200 and done.json()["capacity"] == 1
    after = {r["email"]: r["status"] for r in await signups_of(event["id"])}
    assert after == {
        people[0]["email"]: "going",
        people[1]["email"]: "waitlisted",
        people[2]["email"]: "waitlisted",
    }
    assert any("waitlist" in m["subject"] for m in await mails_to(people[1]["email"]))
    # More places again: the moved people come back first, in their signup order.
    grown = await client.put(path, json={**body, "capacity": 2}, headers=member.bearer)
    assert grown.status_code == 200
    after = {r["email"]: r for r in await signups_of(event["id"])}
    assert after[people[1]["email"]]["status"] == "going"
    assert after[people[1]["email"]]["promoted_at"] is not None
    assert after[people[2]["email"]]["status"] == "waitlisted"


async def test_a_shift_with_people_is_not_deleted(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client)
    shift = await add_shift(client, member, event["id"])
    await rsvp_confirmed(client, event["id"], person(1, shift_id=shift["id"]))
    answer = await client.delete(f"/api/v1/shifts/{shift['id']}", headers=member.bearer)
    assert answer.status_code == 409
    assert await shift_count() == 1


async def test_shift_pages(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client)
    await sign_in(client, member.email)
    path = f"/organizer/events/{event['id']}/shifts"
    token = await csrf_token(client, path)
    bad = await client.post(
        path,
        data={
            "role": "Legal observer",
            "starts_at": "tomorrow",
            "ends_at": "",
            "_csrf_token": token,
        },
    )
    assert bad.status_code == 422
    assert 'id="shift-starts_at-error"' in bad.text and 'value="Legal observer"' in bad.text
    good = await client.post(
        path,
        data={
            "role": "Legal observer",
            "starts_at": soon(hour=17)[:16],
            "ends_at": soon(hour=19)[:16],
            "capacity": "1",
            "_csrf_token": token,
        },
    )
    assert good.status_code == 303
    listing = await client.get(path)
    assert "Legal observer" in listing.text
    shift_id = listing.text.split("/organizer/shifts/")[1].split("/")[0]
    await rsvp_confirmed(client, event["id"], person(1, display_name="Dana", shift_id=shift_id))
    edit = f"/organizer/shifts/{shift_id}/edit"
    form = await client.get(edit)
    assert "Dana" in form.text and 'name="move_to_waitlist"' in form.text
    shrink = await client.post(
        edit,
        data={
            "role": "Legal observer",
            "starts_at": soon(hour=17)[:16],
            "ends_at": soon(hour=19)[:16],
            "capacity": "0",
            "_csrf_token": token,
        },
    )
    assert shrink.status_code == 422 and 'id="shift-move_to_waitlist-error"' in shrink.text
    dana = (await signups_of(event["id"]))[0]
    moved = await client.post(
        edit,
        data={
            "role": "Legal observer",
            "starts_at": soon(hour=17)[:16],
            "ends_at": soon(hour=19)[:16],
            "capacity": "0",
            "move_to_waitlist": str(dana["id"]),
            "_csrf_token": token,
        },
    )
    assert moved.status_code == 303
    assert (await signups_of(event["id"]))[0]["status"] == "waitlisted"


async def test_reminders_stay_for_a_volunteer_still_going_in_another_shift(
    client: httpx.AsyncClient,
) -> None:
    """Reminders are per address and event: removing, declining or blocking one of two
    shift signups must not silence the other."""
    from server.mail.tables import Outbox

    member, event = await published_event(client)
    first = await add_shift(client, member, event["id"], role="Marshal")
    second = await add_shift(client, member, event["id"], role="First aid")
    me = person("two-shifts")
    for shift in (first, second):
        assert (
            await rsvp_confirmed(client, event["id"], {**me, "shift_id": shift["id"]})
        ).status_code == 201

    async def queued_reminders() -> int:
        await mails_to(me["email"])  # composes what the signups owe
        return await Outbox.count().where(
            (Outbox.recipient == me["email"].lower())
            & (Outbox.kind == "reminder")
            & (Outbox.status == "queued")
        )

    assert await queued_reminders() == 2  # a day and two hours before
    [one, other] = await signups_of(event["id"])
    for action, signup in (("remove", one), ("block", other)):
        done = await client.post(f"/api/v1/signups/{signup['id']}/{action}", headers=member.bearer)
        assert done.status_code == 200, done.text
        expected = 2 if action == "remove" else 0  # blocked too: nothing left going
        assert await queued_reminders() == expected, action
