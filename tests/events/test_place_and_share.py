"""An event's "Open in maps" (geo:) and "Copy the address" only where the reader sees the
exact address, and a share text that never carries an address."""

from __future__ import annotations

import re

import httpx

from tests.events.helpers import sign_in
from tests.signups.helpers import manage_token, person, published_event, rsvp_confirmed

SHARE_TEXT = re.compile(r'<span id="share-text" hidden>(.*?)</span>', re.S)
STREET = "Unter den Linden 63"


async def test_a_public_address_opens_in_the_phones_map_app(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client, address=STREET, city="Berlin")
    page = await client.get(f"/events/{event['id']}")
    assert f'href="geo:{event["lat"]},{event["lon"]}?q=' in page.text
    assert 'data-copy="place-text"' in page.text
    shared = SHARE_TEXT.search(page.text)
    assert shared and event["title"] in shared.group(1) and "Berlin" in shared.group(1)
    assert STREET not in shared.group(1)


async def test_a_hidden_address_gets_no_map_link_and_is_never_shared(
    client: httpx.AsyncClient,
) -> None:
    member, event = await published_event(
        client, address=STREET, city="Berlin", address_visibility="attendees"
    )
    public = await client.get(f"/events/{event['id']}")
    assert "geo:" not in public.text and STREET not in public.text
    shared = SHARE_TEXT.search(public.text)
    assert shared and STREET not in shared.group(1)
    # A volunteer who holds a place sees it, with the map link, on their own page.
    body = person()
    assert (await rsvp_confirmed(client, event["id"], body)).json()["status"] == "going"
    mine = await client.get(f"/m/{await manage_token(body['email'])}")
    assert "geo:" in mine.text and STREET in mine.text
    # So does a member of the organization.
    await sign_in(client, member.email)
    inside = await client.get(f"/events/{event['id']}")
    assert "geo:" in inside.text and STREET in inside.text


async def test_the_public_never_sees_the_published_badge(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client)
    public = await client.get(f"/events/{event['id']}")
    assert 'class="badge published"' not in public.text
    await sign_in(client, member.email)
    inside = await client.get(f"/events/{event['id']}")
    assert 'class="badge published"' in inside.text  # organizers keep their word for it
