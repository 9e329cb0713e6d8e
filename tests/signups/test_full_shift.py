"""A full shift does not waitlist the whole RSVP when the event has places: the
volunteer chooses between the event without a shift and the shift's waitlist."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import csrf_token
from tests.signups.helpers import (
    add_shift,
    confirm,
    person,
    published_event,
    rsvp,
    rsvp_confirmed,
    signups_of,
)


async def _full_marshal_shift(client: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    member, event = await published_event(client, capacity=10)
    marshal = await add_shift(client, member, event["id"], capacity=1)
    taken = await rsvp_confirmed(client, event["id"], person("first", shift_id=marshal["id"]))
    assert taken.json()["status"] == "going"
    return event, marshal


async def test_the_form_offers_both_and_comes_without_the_shift_by_default(
    client: httpx.AsyncClient,
) -> None:
    event, marshal = await _full_marshal_shift(client)
    block = await client.get(f"/events/{event['id']}/rsvp")
    assert "If the shift you choose is full" in block.text
    assert 'name="if_shift_full" value="no_shift" checked' in block.text
    body = person("second")
    token = await csrf_token(client, f"/events/{event['id']}/rsvp")
    answer = await client.post(
        f"/events/{event['id']}/rsvp",
        data={**body, "shift_id": marshal["id"], "if_shift_full": "no_shift", "_csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert "That shift was full, so you are signed up for the event without a shift" in answer.text
    plain = await client.post(
        f"/events/{event['id']}/rsvp",
        data={**person("fourth"), "shift_id": marshal["id"], "_csrf_token": token},
    )
    assert plain.status_code == 303  # without JavaScript: the confirmation page says it too
    page = await client.get(plain.headers["location"])
    assert "That shift was full" in page.text
    await confirm(client, body["email"])
    mine = [s for s in await signups_of(event["id"]) if s["email"] == body["email"]]
    assert [(s["status"], s["shift"]) for s in mine] == [("going", None)]


async def test_the_shifts_waitlist_when_chosen(client: httpx.AsyncClient) -> None:
    event, marshal = await _full_marshal_shift(client)
    body = person("third", shift_id=marshal["id"], if_shift_full="waitlist")
    done = await rsvp_confirmed(client, event["id"], body)
    assert done.json()["status"] == "waitlisted"
    assert done.json()["shift"]["id"] == marshal["id"]


async def test_the_api_keeps_the_waitlist_unless_asked(client: httpx.AsyncClient) -> None:
    event, marshal = await _full_marshal_shift(client)
    kept = await rsvp_confirmed(client, event["id"], person("api", shift_id=marshal["id"]))
    assert kept.json()["status"] == "waitlisted"
    moved = await rsvp(
        client, event["id"], person("api2", shift_id=marshal["id"], if_shift_full="no_shift")
    )
    assert moved.status_code == 201 and moved.json()["shift_id"] is None
    bad = await rsvp(client, event["id"], person("api3", shift_id=marshal["id"], if_shift_full="x"))
    assert bad.status_code == 400


async def test_no_choice_when_no_shift_is_full(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client, capacity=10)
    await add_shift(client, member, event["id"], capacity=5)
    block = await client.get(f"/events/{event['id']}/rsvp")
    assert "if_shift_full" not in block.text
