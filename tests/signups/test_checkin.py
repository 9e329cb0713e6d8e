"""The phone check-in page: search by name (htmx), one tap to check in, undo, counts."""

from __future__ import annotations

import httpx

from tests.conftest import csrf_token
from tests.events.helpers import add_member, sign_in
from tests.signups.helpers import person, published_event, rsvp_confirmed, signups_of

HTMX = {"HX-Request": "true"}


async def test_search_check_in_and_undo(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client, max_guests=2)
    await rsvp_confirmed(client, event["id"], person(1, display_name="Amira Haddad", guests=2))
    await rsvp_confirmed(client, event["id"], person(2, display_name="Boris Petrov"))
    await sign_in(client, member.email)
    path = f"/organizer/events/{event['id']}/checkin"
    page = await client.get(path)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert 'hx-trigger="input changed delay:300ms' in page.text
    assert "Amira Haddad" in page.text and "Boris Petrov" in page.text
    found = await client.get(path, params={"q": "amira"}, headers=HTMX)
    assert found.text.lstrip().startswith('<div id="checkin-results"')
    assert "Amira Haddad" in found.text and "Boris Petrov" not in found.text
    assert "0 checked in" in found.text

    amira = next(r for r in await signups_of(event["id"]) if r["display_name"] == "Amira Haddad")
    token = await csrf_token(client, path)
    tapped = await client.post(
        f"/organizer/signups/{amira['id']}/check_in",
        data={"_csrf_token": token, "view": "checkin", "q": "amira"},
        headers=HTMX,
    )
    assert tapped.status_code == 200
    assert "1 checked in" in tapped.text and "Undo" in tapped.text
    assert "Boris Petrov" not in tapped.text  # the search stays applied
    row = next(r for r in await signups_of(event["id"]) if r["id"] == amira["id"])
    assert row["status"] == "checked_in" and row["checked_in_at"] is not None
    # Checking in twice changes nothing; undo goes back to going.
    await client.post(f"/organizer/signups/{amira['id']}/check_in", data={"_csrf_token": token})
    undone = await client.post(
        f"/organizer/signups/{amira['id']}/undo_check_in",
        data={"_csrf_token": token, "next": path},
    )
    assert undone.status_code == 303 and undone.headers["location"] == path
    row = next(r for r in await signups_of(event["id"]) if r["id"] == amira["id"])
    assert row["status"] == "going" and row["checked_in_at"] is None


async def test_only_going_people_can_be_checked_in(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client, capacity=1)
    await rsvp_confirmed(client, event["id"], person(1))
    await rsvp_confirmed(client, event["id"], person(2))
    waiting = next(r for r in await signups_of(event["id"]) if r["status"] == "waitlisted")
    answer = await client.post(f"/api/v1/signups/{waiting['id']}/check_in", headers=member.bearer)
    assert answer.status_code == 409


async def test_viewers_see_the_check_in_list_without_buttons(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client)
    await rsvp_confirmed(client, event["id"], person(1, display_name="Chidi"))
    viewer = await add_member(member, "viewer")
    await sign_in(client, viewer.email)
    page = await client.get(f"/organizer/events/{event['id']}/checkin")
    assert "Chidi" in page.text and "/check_in" not in page.text
