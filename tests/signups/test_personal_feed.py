"""The personal "my RSVPs" feed: a secret, revocable link; the exact address only for
the going; ETag/304; never in the logs."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from server.signups import home_links, service
from server.signups.tables import Volunteer
from server.tokens import hash_secret
from tests.calendar.helpers import events_by_uid, instants
from tests.conftest import csrf_token
from tests.events.helpers import event_json
from tests.signups.helpers import person, published_event, rsvp_confirmed, signups_of, soon
from tests.test_logging import access_line

GOING_STREET = "Goingstreet 7, 10117 Berlin"
CANARY_STREET = "Canarystreet 13, 10117 Berlin"


async def _feed_link(client: httpx.AsyncClient, home: str) -> str:
    """Press "Get my calendar link" on the "my signups" page; the feed secret shown."""
    csrf = await csrf_token(client, f"/my/{home}")
    made = await client.post(f"/my/{home}/feed", data={"_csrf_token": csrf})
    assert made.status_code == 303, made.text
    shown = await client.get(made.headers["location"])
    assert shown.status_code == 200 and shown.headers["cache-control"] == "no-store"
    feed_token = made.headers["location"].rsplit("/", 1)[1]
    assert f"http://testserver/feeds/me/{feed_token}.ics" in shown.text
    assert f"webcal://testserver/feeds/me/{feed_token}.ics" in shown.text
    assert f"/feeds/me/{feed_token}/google" in shown.text
    # "Copy this link now": a button copies it (shown where the clipboard works).
    assert 'data-copy="feed-link"' in shown.text and 'id="feed-link"' in shown.text
    return feed_token


async def _volunteer_with_feed(
    client: httpx.AsyncClient,
) -> tuple[dict[str, Any], str, dict[str, Any], dict[str, Any], Any]:
    """One volunteer going to one address-hidden event and waitlisted for another."""
    member, going = await published_event(
        client, address_visibility="attendees", address=GOING_STREET, city="Berlin"
    )
    _, waiting = await published_event(
        client, member, capacity=1, address_visibility="attendees", address=CANARY_STREET
    )
    me = person("me")
    assert (await rsvp_confirmed(client, going["id"], me)).json()["status"] == "going"
    assert (await rsvp_confirmed(client, waiting["id"], person("other"))).json()[
        "status"
    ] == "going"
    assert (await rsvp_confirmed(client, waiting["id"], me)).json()["status"] == "waitlisted"
    home = await home_links.issue(me["email"])
    return me, await _feed_link(client, home), going, waiting, member


async def test_feed_parses_everywhere_with_the_address_only_for_going(
    client: httpx.AsyncClient,
) -> None:
    _, token, going, waiting, _ = await _volunteer_with_feed(client)
    response = await client.get(f"/feeds/me/{token}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"].startswith("private")
    assert response.headers["etag"].startswith('"')  # strong
    assert set(instants(response.content)) == {
        f"{going['id']}@testserver",
        f"{waiting['id']}@testserver",
    }
    entries = events_by_uid(response.content)
    assert "Goingstreet 7" in str(entries[going["id"]]["LOCATION"])
    assert str(entries[going["id"]]["STATUS"]) == "CONFIRMED"
    assert "Canarystreet" not in response.text
    assert "Berlin" in str(entries[waiting["id"]]["LOCATION"])
    assert str(entries[waiting["id"]]["STATUS"]) == "TENTATIVE"


async def test_a_cancelled_signup_stays_as_cancelled_and_moves_the_etag(
    client: httpx.AsyncClient,
) -> None:
    me, token, going, _, _ = await _volunteer_with_feed(client)
    path = f"/feeds/me/{token}.ics"
    first = await client.get(path)
    again = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["cache-control"].startswith("private")
    assert (await client.get(path)).content == first.content  # byte-identical

    mine = [s for s in await signups_of(going["id"]) if s["email"] == me["email"].lower()]
    await service.cancel(mine[0]["id"])
    after = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != first.headers["etag"]
    entry = events_by_uid(after.content)[going["id"]]
    assert str(entry["STATUS"]) == "CANCELLED"
    assert "Goingstreet" not in after.text  # no longer going: no address


async def test_a_moved_event_changes_the_etag(client: httpx.AsyncClient) -> None:
    _, token, going, _, member = await _volunteer_with_feed(client)
    path = f"/feeds/me/{token}.ics"
    first = await client.get(path)
    body = event_json(
        starts_at=soon(hour=19),
        ends_at=soon(hour=21),
        address_visibility="attendees",
        address=GOING_STREET,
    )
    moved = await client.put(f"/api/v1/events/{going['id']}", json=body, headers=member.bearer)
    assert moved.status_code == 200, moved.text
    second = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert second.headers["etag"] != first.headers["etag"]
    uid = f"{going['id']}@testserver"
    assert instants(second.content)[uid] != instants(first.content)[uid]


async def test_a_new_link_kills_the_old_one_at_once(client: httpx.AsyncClient) -> None:
    me, old, _, _, _ = await _volunteer_with_feed(client)
    first = await client.get(f"/feeds/me/{old}.ics")
    assert first.status_code == 200
    row = await Volunteer.select().where(Volunteer.email == me["email"].lower()).first()
    assert row is not None and row["feed_token_hash"] == hash_secret(old)
    assert len(old) >= 22 and old not in str(row)  # >= 128 bits, stored hashed only

    home = await home_links.issue(me["email"])
    page = await client.get(f"/my/{home}")
    assert "Get a new link" in page.text
    new = await _feed_link(client, home)
    assert new != old
    # Gone at once — even for a client that still holds the old ETag (404, not 304).
    revoked = await client.get(
        f"/feeds/me/{old}.ics", headers={"If-None-Match": first.headers["etag"]}
    )
    unknown = await client.get(f"/feeds/me/{uuid.uuid4().hex}{uuid.uuid4().hex}.ics")
    assert revoked.status_code == unknown.status_code == 404
    assert revoked.text == unknown.text
    assert (await client.get(f"/feeds/me/{old}/google")).status_code == 404
    assert (await client.get(f"/feeds/me/{new}.ics")).status_code == 200
    assert (await client.get(f"/feeds/me/{new}")).status_code == 404  # the suffix is required


async def test_making_a_link_needs_csrf_and_a_valid_home_link(client: httpx.AsyncClient) -> None:
    me, _, _, _, _ = await _volunteer_with_feed(client)
    home = await home_links.issue(me["email"])
    before = await Volunteer.select().where(Volunteer.email == me["email"].lower()).first()
    assert (await client.post(f"/my/{home}/feed")).status_code == 403
    csrf = await csrf_token(client, f"/my/{home}")
    bad = await client.post(f"/my/{'x' * 43}/feed", data={"_csrf_token": csrf})
    assert bad.status_code == 404
    after = await Volunteer.select().where(Volunteer.email == me["email"].lower()).first()
    assert before == after


async def test_google_link_stays_on_our_origin_and_is_never_cached(
    client: httpx.AsyncClient,
) -> None:
    _, token, _, _, _ = await _volunteer_with_feed(client)
    response = await client.get(f"/feeds/me/{token}/google")
    assert response.status_code == 303
    assert response.headers["cache-control"] == "no-store"
    location = urlsplit(response.headers["location"])
    assert location.netloc == "calendar.google.com"
    assert parse_qs(location.query)["cid"] == [f"webcal://testserver/feeds/me/{token}.ics"]


async def test_feed_tokens_never_reach_the_access_log(client: httpx.AsyncClient) -> None:
    _, token, _, _, _ = await _volunteer_with_feed(client)
    for path in (f"/feeds/me/{token}.ics", f"/feeds/me/{token}/google"):
        line = access_line(path)
        assert token not in line and "/feeds/me/[redacted]" in line


async def test_head_on_the_personal_feed_sends_headers_only(client: httpx.AsyncClient) -> None:
    _, token, _, _, _ = await _volunteer_with_feed(client)
    got = await client.get(f"/feeds/me/{token}.ics")
    head = await client.head(f"/feeds/me/{token}.ics")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-length"] == got.headers["content-length"]
    assert (await client.head("/feeds/me/not-a-real-token.ics")).status_code == 404
