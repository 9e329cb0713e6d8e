"""The volunteer's pages: the RSVP block (htmx and plain), the confirmation, manage links."""

from __future__ import annotations

import re

import httpx

from tests.conftest import csrf_token
from tests.signups.helpers import (
    add_shift,
    manage_token,
    person,
    published_event,
    rsvp_confirmed,
    signups_of,
    statuses,
)

HTMX = {"HX-Request": "true"}


async def test_event_page_loads_the_rsvp_block_and_links_to_it(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client)
    page = await client.get(f"/events/{event['id']}")
    assert f'hx-get="/events/{event["id"]}/rsvp"' in page.text
    assert f'href="/events/{event["id"]}/rsvp"' in page.text
    block = await client.get(f"/events/{event['id']}/rsvp", headers=HTMX)
    assert block.status_code == 200
    assert block.text.lstrip().startswith('<section id="rsvp"')
    assert "<html" not in block.text
    assert block.headers["cache-control"] == "no-store"
    assert "deleted 30 days after the event" in block.text  # the consent line
    assert 'name="_csrf_token"' in block.text
    full = await client.get(f"/events/{event['id']}/rsvp")
    assert "<html" in full.text and "<h1>" in full.text


async def test_plain_form_rsvp_redirects_to_a_confirmation(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client, address_visibility="attendees")
    path = f"/events/{event['id']}/rsvp"
    token = await csrf_token(client, path)
    me = person(1)
    sent = await client.post(path, data={**me, "_csrf_token": token})
    assert sent.status_code == 303
    done = await client.get(sent.headers["location"])
    assert done.status_code == 200
    assert "You're going!" in done.text
    assert "We've emailed you a private link to manage your RSVP" in done.text
    assert "/m/" not in done.text
    assert done.headers["cache-control"] == "no-store"
    # A crafted confirmation link is refused.
    forged = sent.headers["location"].replace("going", "pending")
    assert (await client.get(forged)).status_code >= 400


async def test_htmx_rsvp_swaps_in_the_confirmation(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client)
    path = f"/events/{event['id']}/rsvp"
    token = await csrf_token(client, path)
    answer = await client.post(path, data={**person(2), "_csrf_token": token}, headers=HTMX)
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<section id="rsvp"')
    assert "You're going!" in answer.text


async def test_where_places_are_counted_the_answer_asks_to_confirm(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client, capacity=1)
    path = f"/events/{event['id']}/rsvp"
    token = await csrf_token(client, path)
    await rsvp_confirmed(client, event["id"])  # the last place is taken
    answer = await client.post(path, data={**person(2), "_csrf_token": token}, headers=HTMX)
    assert answer.status_code == 200
    assert "Almost done: check your email" in answer.text
    assert "Confirm my place" in answer.text and "/m/" not in answer.text
    assert "no place left" not in answer.text
    sent = await client.post(path, data={**person(3), "_csrf_token": token})
    done = await client.get(sent.headers["location"])
    assert "Almost done: check your email" in done.text


async def test_rsvp_form_needs_csrf(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client)
    response = await client.post(f"/events/{event['id']}/rsvp", data=person(1))
    assert response.status_code == 403
    assert await signups_of(event["id"]) == []


async def test_bad_form_input_shows_inline_errors_and_writes_nothing(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client, max_guests=2)
    path = f"/events/{event['id']}/rsvp"
    token = await csrf_token(client, path)
    bad = {
        "display_name": "",
        "email": "not-an-email",
        "phone": "call me",
        "guests": "many",
        "_csrf_token": token,
    }
    answer = await client.post(path, data=bad, headers=HTMX)
    assert answer.status_code == 422
    for name in ("display_name", "email", "phone", "guests"):
        assert f'id="rsvp-{name}-error"' in answer.text, name
        assert re.search(rf'name="{name}"[^>]*aria-invalid="true"', answer.text), name
    assert 'value="not-an-email"' in answer.text  # the input is kept
    too_many = await client.post(
        path, data={**person(1), "guests": "3", "_csrf_token": token}, headers=HTMX
    )
    assert too_many.status_code == 422 and "at most 2 guests" in too_many.text
    assert await signups_of(event["id"]) == []


async def test_manage_page_changes_guests_and_shift_then_cancels(
    client: httpx.AsyncClient,
) -> None:
    member, event = await published_event(
        client, capacity=5, max_guests=3, address_visibility="attendees", address="Secret Str 1"
    )
    marshal = await add_shift(client, member, event["id"], role="Marshal", capacity=2)
    me = person(1)
    assert (await rsvp_confirmed(client, event["id"], me)).json()["status"] == "going"
    token = await manage_token(me["email"])
    page = await client.get(f"/m/{token}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Secret Str 1" in page.text  # going: the exact address
    action = f"/m/{token}"
    csrf = await csrf_token(client, action)
    # The shift has 2 places: me with 2 guests does not fit there.
    too_big = await client.post(
        action,
        data={"guests": "2", "shift_id": marshal["id"], "change_shift": "1", "_csrf_token": csrf},
    )
    assert too_big.status_code == 422 and "That shift is full" in too_big.text
    fine = await client.post(
        action,
        data={"guests": "1", "shift_id": marshal["id"], "change_shift": "1", "_csrf_token": csrf},
    )
    assert fine.status_code == 303
    [row] = await signups_of(event["id"])
    assert row["guests"] == 1 and str(row["shift"]) == marshal["id"]
    cancelled = await client.post(f"{action}/cancel", data={"_csrf_token": csrf})
    assert cancelled.status_code == 303
    after = await client.get(f"/m/{token}")
    assert "You cancelled this RSVP." in after.text
    assert "Secret Str 1" not in after.text
    assert await statuses(event["id"]) == {"cancelled": 1}


async def test_unknown_manage_link_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/m/" + "x" * 43)).status_code == 404
