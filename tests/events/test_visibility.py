"""Who sees which event (invariant 1) and who sees a hidden address (invariant 2)."""

from __future__ import annotations

import httpx

from tests.events.helpers import (
    ClientFactory,
    Member,
    add_member,
    create_event,
    member_with_org,
    sign_in,
)

CANARY = "Canary-Street 7f3a9c 12"
CANARY_VENUE = "Safehouse-Venue-b41e"
CANARY_LINK = "https://meet.example.org/canary-5d2e"


async def _status(client: httpx.AsyncClient, event_id: str, **kw: object) -> tuple[int, int]:
    api = await client.get(f"/api/v1/events/{event_id}", **kw)  # type: ignore[arg-type]
    page = await client.get(f"/events/{event_id}", **kw)  # type: ignore[arg-type]
    return api.status_code, page.status_code


async def _member_status(
    client: httpx.AsyncClient, client_factory: ClientFactory, member: Member, event_id: str
) -> tuple[int, int]:
    """A member's view: the API with their token, the page in their signed-in browser
    (an API token never opens a page: with only the token, the page is the public's)."""
    api = await client.get(f"/api/v1/events/{event_id}", headers=member.bearer)
    with_token = await client.get(f"/events/{event_id}", headers=member.bearer)
    assert with_token.status_code == (await client.get(f"/events/{event_id}")).status_code
    async with client_factory() as browser:
        await sign_in(browser, member.email)
        page = await browser.get(f"/events/{event_id}")
    return api.status_code, page.status_code


async def test_another_organizations_draft_is_404_everywhere(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    ours, theirs = await member_with_org(), await member_with_org(name="Other group")
    draft = await create_event(client, ours)
    assert await _status(client, draft["id"]) == (404, 404)  # anonymous
    assert await _status(client, draft["id"], headers=theirs.bearer) == (404, 404)
    # A member of another organization cannot write either: 404, not 403.
    for path in ("publish", "cancel", "duplicate"):
        response = await client.post(f"/api/v1/events/{draft['id']}/{path}", headers=theirs.bearer)
        assert response.status_code == 404
    listing = await client.get(f"/api/v1/organizations/{ours.org_id}/events", headers=theirs.bearer)
    assert [e["id"] for e in listing.json()["items"]] == []
    # Signed in through the pages, the other organization's organizer gets 404 too.
    async with client_factory() as browser:
        await sign_in(browser, theirs.email)
        assert (await browser.get(f"/events/{draft['id']}")).status_code == 404
        assert (await browser.get(f"/organizer/events/{draft['id']}/edit")).status_code == 404
        assert (await browser.get(f"/organizer/orgs/{ours.org_id}/events")).status_code == 404
    # Its own members see it.
    assert await _member_status(client, client_factory, ours, draft["id"]) == (200, 200)


async def test_unknown_event_is_404(client: httpx.AsyncClient) -> None:
    missing = "5b7a8d1e-2f4c-4c1a-9a55-0e6f1a2b3c4d"
    assert await _status(client, missing) == (404, 404)


async def test_unapproved_organization_is_visible_to_members_only(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    pending = await member_with_org(approved=False)
    event = await create_event(client, pending, publish=True)
    assert await _status(client, event["id"]) == (404, 404)
    assert await _member_status(client, client_factory, pending, event["id"]) == (200, 200)
    listing = await client.get(f"/api/v1/organizations/{pending.org_id}/events")
    assert listing.status_code == 404
    async with client_factory() as browser:
        await sign_in(browser, pending.email)
        page = await browser.get(f"/events/{event['id']}")
    assert "waiting for an admin" in page.text


async def test_private_event_is_404_for_the_public(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True, visibility="private")
    assert await _status(client, event["id"]) == (404, 404)
    assert await _member_status(client, client_factory, member, event["id"]) == (200, 200)


async def test_unlisted_event_is_visible_by_link_but_not_listed(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True, visibility="unlisted")
    public = await create_event(client, member, publish=True, title="Listed one")
    assert await _status(client, event["id"]) == (200, 200)
    page = await client.get(f"/events/{event['id']}")
    assert page.headers["x-robots-tag"] == "noindex"
    listing = await client.get(f"/api/v1/organizations/{member.org_id}/events")
    assert [e["id"] for e in listing.json()["items"]] == [public["id"]]


async def test_members_list_every_event_the_public_only_published_ones(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    draft = await create_event(client, member, title="A draft")
    live = await create_event(client, member, publish=True, title="Live")
    mine = await client.get(f"/api/v1/organizations/{member.org_id}/events", headers=member.bearer)
    assert {e["id"] for e in mine.json()["items"]} == {draft["id"], live["id"]}
    assert mine.headers["cache-control"] == "no-store"
    public = await client.get(f"/api/v1/organizations/{member.org_id}/events")
    assert [e["id"] for e in public.json()["items"]] == [live["id"]]


async def test_hidden_address_never_reaches_the_public(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    member = await member_with_org()
    event = await create_event(
        client,
        member,
        publish=True,
        address=CANARY,
        venue_name=CANARY_VENUE,
        online_url=CANARY_LINK,
        address_visibility="attendees",
        lat=52.516275,
        lon=13.377704,
    )
    secrets = (CANARY, CANARY_VENUE, CANARY_LINK, "52.516275", "13.377704")
    public_api = await client.get(f"/api/v1/events/{event['id']}")
    public_page = await client.get(f"/events/{event['id']}")
    public_list = await client.get(f"/api/v1/organizations/{member.org_id}/events")
    for response in (public_api, public_page, public_list):
        assert response.status_code == 200
        for secret in secrets:
            assert secret not in response.text
    body = public_api.json()
    assert body["address"] is None and body["venue_name"] is None
    assert body["address_hidden"] is True and body["online"] is True
    assert (body["lat"], body["lon"]) == (52.52, 13.38)  # ~1 km
    assert body["city"] == "Berlin"
    assert "Exact address shared with confirmed attendees" in public_page.text
    assert "Berlin" in public_page.text

    # Members of the organization see everything, and their answers are never cached.
    member_api = await client.get(f"/api/v1/events/{event['id']}", headers=member.bearer)
    assert member_api.json()["address"] == CANARY
    assert member_api.headers["cache-control"] == "no-store"
    async with client_factory() as browser:
        await sign_in(browser, member.email)
        page = await browser.get(f"/events/{event['id']}")
        assert CANARY in page.text and CANARY_LINK in page.text
        assert page.headers["cache-control"] == "no-store"
        # A viewer-role member sees it as well.
    viewer = await add_member(member, "viewer")
    seen = await client.get(f"/api/v1/events/{event['id']}", headers=viewer.bearer)
    assert seen.json()["address"] == CANARY


async def test_public_page_may_be_cached_briefly_but_not_for_signed_in_people(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True)
    anonymous = await client.get(f"/events/{event['id']}")
    # The same bytes for every anonymous reader: any cache may keep it, revalidating.
    assert anonymous.headers["cache-control"] == "public, no-cache"
    assert "hx-request" in anonymous.headers["vary"].lower()
    async with client_factory() as browser:
        await sign_in(browser, member.email)
        page = await browser.get(f"/events/{event['id']}")
        assert page.headers["cache-control"] == "no-store"
        assert f"/organizer/events/{event['id']}/edit" in page.text
    assert f"/organizer/events/{event['id']}/edit" not in anonymous.text
