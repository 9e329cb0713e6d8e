"""What public feeds never carry, and which events each filter selects."""

from __future__ import annotations

import uuid

import httpx

from server.events import search
from tests.calendar.helpers import events_by_uid, feed, published
from tests.events.helpers import approve, create_event, member_with_org, sign_in

CANARY = {
    "venue_name": "Canaryhall Community Centre",
    "address": "Canarystreet 13, 10117 Berlin",
    "online_url": "https://canary-meet.example/room",
    "lat": 52.516312,
    "lon": 13.377657,
}


async def _public_bodies(client: httpx.AsyncClient, member_org: uuid.UUID, campaign: str) -> dict:
    paths = [
        "/feeds/events.ics",
        "/feeds/events.ics?near=52.52,13.40&radius_km=10",
        f"/feeds/events.ics?campaign={campaign}",
        f"/feeds/events.ics?org={member_org}",
        f"/feeds/orgs/{member_org}.ics",
    ]
    return {path: (await feed(client, path)).text for path in paths}


async def test_hidden_address_never_reaches_public_files_or_feeds(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    campaign = await client.post(
        f"/api/v1/organizations/{member.org_id}/campaigns",
        json={"title": "#DontTurnAway"},
        headers=member.bearer,
    )
    assert campaign.status_code == 201, campaign.text
    campaign_id = campaign.json()["id"]
    event = await published(
        client, member, address_visibility="attendees", campaign_id=campaign_id, **CANARY
    )
    bodies = await _public_bodies(client, member.org_id, campaign_id)
    bodies["file"] = (await feed(client, f"/events/{event['id']}.ics")).text
    for where, text in bodies.items():
        assert f"UID:{event['id']}@testserver" in text, where
        unfolded = text.replace("\r\n ", "")
        assert "anary" not in unfolded, where  # no venue, street or online link
        assert "52.516312" not in unfolded and "13.377657" not in unfolded, where
        entry = events_by_uid(text.encode())[event["id"]]
        assert str(entry["LOCATION"]) == "Berlin, Germany", where
        lat, lon = entry["GEO"].latitude, entry["GEO"].longitude
        assert (lat, lon) == (52.52, 13.38), where  # ~1 km rounded

    # Members of the organization download the full address.
    await sign_in(client, member.email)
    own = (await feed(client, f"/events/{event['id']}.ics")).text.replace("\r\n ", "")
    assert "Canarystreet 13" in own and "GEO:52.516312;13.377657" in own


async def test_private_unlisted_draft_and_unapproved_never_in_public_feeds(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    listed = await published(client, member, title="Listed")
    hidden = {
        "private": await published(client, member, title="Private", visibility="private"),
        "unlisted": await published(client, member, title="Unlisted", visibility="unlisted"),
        "draft": await create_event(client, member, title="Draft"),
    }
    pending = await member_with_org(approved=False)
    hidden["unapproved"] = await published(client, pending, title="Pending")
    paths = [
        "/feeds/events.ics",
        "/feeds/events.ics?near=52.52,13.40&radius_km=25",
        f"/feeds/orgs/{member.org_id}.ics",
        f"/feeds/events.ics?org={member.org_id}",
    ]
    for path in paths:
        text = (await feed(client, path)).text
        assert set(events_by_uid(text.encode())) == {listed["id"]}, path
        for name in ("Private", "Unlisted", "Draft", "Pending"):
            assert f"SUMMARY:{name}" not in text, path
    # An organization waiting for approval has no public feed at all.
    assert (await client.get(f"/feeds/orgs/{pending.org_id}.ics")).status_code == 404
    assert (await client.get(f"/feeds/events.ics?org={pending.org_id}")).status_code == 404
    # Once approved, its public events join the feeds.
    await approve(pending.org_id)
    search.forget()
    ids = set(events_by_uid((await feed(client, "/feeds/events.ics")).content))
    assert ids == {listed["id"], hidden["unapproved"]["id"]}
    # Unlisted events are for whoever has the link: their own file is there; private and
    # draft ones are not (404, as if they did not exist).
    assert (await client.get(f"/events/{hidden['unlisted']['id']}.ics")).status_code == 200
    for name in ("private", "draft"):
        assert (await client.get(f"/events/{hidden[name]['id']}.ics")).status_code == 404


async def test_no_person_is_named_in_public_feeds(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    event = await published(client, member)
    for path in ("/feeds/events.ics", f"/feeds/orgs/{member.org_id}.ics",
                 f"/events/{event['id']}.ics"):  # fmt: skip
        text = (await feed(client, path)).text.replace("\r\n ", "")
        assert "Ada Organizer" not in text  # the organizer's display name
        assert member.email not in text and "mailto:" not in text
        assert "ORGANIZER" not in text and "ATTENDEE" not in text


async def test_near_radius_campaign_and_org_filters(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    other = await member_with_org()
    campaign = await client.post(
        f"/api/v1/organizations/{member.org_id}/campaigns",
        json={"title": "Chechnya"},
        headers=member.bearer,
    )
    campaign_id = campaign.json()["id"]
    nowhere = {"venue_name": "", "address": ""}
    berlin = await published(client, member, campaign_id=campaign_id)  # 52.524, 13.411
    potsdam = await published(client, member, city="Potsdam", **nowhere)  # 26.6 km away
    hamburg = await published(client, other, city="Hamburg", **nowhere)  # ~255 km away
    sydney = await published(client, other, city="Sydney", country="AU", **nowhere)

    async def ids(query: str) -> set[str]:
        return set(events_by_uid((await feed(client, f"/feeds/events.ics?{query}")).content))

    assert await ids("near=52.52,13.405&radius_km=10") == {berlin["id"]}
    assert await ids("near=52.52,13.405&radius_km=50") == {berlin["id"], potsdam["id"]}
    assert await ids("near=52.52,13.405&radius_km=300") == {
        berlin["id"],
        potsdam["id"],
        hamburg["id"],
    }
    assert await ids("near=52.52,13.405") == {berlin["id"]}  # 25 km by default
    assert await ids("near=52.52,13.405&radius_km=26") == {berlin["id"]}
    assert await ids("near=52.52,13.405&radius_km=27") == {berlin["id"], potsdam["id"]}
    assert await ids("near=-33.87,151.21&radius_km=20") == {sydney["id"]}
    assert await ids(f"campaign={campaign_id}") == {berlin["id"]}
    assert await ids(f"org={other.org_id}") == {hamburg["id"], sydney["id"]}
    assert await ids(f"org={member.org_id}&near=53.55,10.0&radius_km=50") == set()
    assert await ids("") == {berlin["id"], potsdam["id"], hamburg["id"], sydney["id"]}
    named = (await feed(client, f"/feeds/events.ics?campaign={campaign_id}")).text
    assert "X-WR-CALNAME:Muster: Chechnya" in named


async def test_bad_filters_answer_400_naming_the_parameter(client: httpx.AsyncClient) -> None:
    cases = {
        "near=somewhere": "near",
        "near=91,13": "near",
        "near=52.5,13.4&radius_km=0": "radius_km",
        "near=52.5,13.4&radius_km=far": "radius_km",
        "near=52.5,13.4&radius_km=nan": "radius_km",
        "campaign=not-an-id": "campaign",
        "org=42": "org",
    }
    for query, field in cases.items():
        response = await client.get(f"/feeds/events.ics?{query}")
        assert response.status_code == 400, query
        assert response.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in response.json()["errors"]] == [field], query
    unknown = uuid.uuid4()
    assert (await client.get(f"/feeds/events.ics?campaign={unknown}")).status_code == 404
    assert (await client.get(f"/feeds/orgs/{unknown}.ics")).status_code == 404
    assert (await client.get("/feeds/orgs/not-a-uuid.ics")).status_code == 404
    member = await member_with_org()
    assert (await client.get(f"/feeds/orgs/{member.org_id}.json")).status_code == 404
