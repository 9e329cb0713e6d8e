"""Sign-up anomaly hints for sensitive events: bursts, one network, one address on many
sensitive events. Warnings for members only; an RSVP is never blocked or changed.

RSVPs come from browsers with their own socket addresses (the app sees them as the
client, as behind no proxy), through the real HTML form or the JSON API.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
from litestar import Litestar

from server.privacy import lifecycle
from server.signups import anomalies
from server.signups.tables import Signup
from tests.conftest import CSRF_INPUT
from tests.events.helpers import Member, add_member, member_with_org, post_form, sign_in
from tests.signups.helpers import (
    api_csrf,
    manage_token,
    person,
    published_event,
    signups_of,
    statuses,
)

SECRET = "test-secret-key-that-is-long-enough-0123456789"


@asynccontextmanager
async def browser(app: Litestar, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 5000))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def form_rsvp(app: Litestar, address: str, event_id: str, body: dict[str, Any]) -> None:
    """An RSVP through the HTML form, from ``address``; it must succeed (303)."""
    async with browser(app, address) as client:
        page = await client.get(f"/events/{event_id}/rsvp")
        match = CSRF_INPUT.search(page.text)
        assert match, page.text
        data = {**body, "_csrf_token": match.group(1)}
        response = await client.post(f"/events/{event_id}/rsvp", data=data)
        assert response.status_code == 303, response.text


async def api_rsvp(app: Litestar, address: str, event_id: str, body: dict[str, Any]) -> None:
    """An RSVP through the JSON API, from ``address``; it must succeed (201)."""
    async with browser(app, address) as client:
        response = await client.post(
            f"/api/v1/events/{event_id}/signups",
            json=body,
            headers=await api_csrf(client),
        )
        assert response.status_code == 201, response.text


async def hints_of(client: httpx.AsyncClient, member: Member, event_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/events/{event_id}/signup-hints", headers=member.bearer)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def kinds(body: dict[str, Any]) -> list[str]:
    return [h["kind"] for h in body["hints"]]


async def attendees_page(client: httpx.AsyncClient, member: Member, event_id: str) -> str:
    await sign_in(client, member.email)
    page = await client.get(f"/organizer/events/{event_id}/attendees")
    assert page.status_code == 200, page.text
    assert "no-store" in page.headers["cache-control"]
    return page.text


# --- the network hash ------------------------------------------------------------------------


def test_the_network_hash_is_keyed_and_covers_a_24_or_a_48() -> None:
    one = anomalies.network_of("203.0.113.7", SECRET)
    assert len(one) == 16 and int(one, 16) >= 0
    assert anomalies.network_of("203.0.113.250", SECRET) == one  # same /24
    assert anomalies.network_of("::ffff:203.0.113.9", SECRET) == one  # IPv4-mapped
    assert anomalies.network_of("203.0.114.7", SECRET) != one
    assert anomalies.network_of("203.0.113.7", SECRET + "x") != one  # keyed
    six = anomalies.network_of("2001:db8:1:2::1", SECRET)
    assert anomalies.network_of("2001:db8:1:ffff::9", SECRET) == six  # same /48
    assert anomalies.network_of("2001:db8:2::1", SECRET) != six
    assert anomalies.network_of("unknown", SECRET) == ""
    assert anomalies.network_of("testclient", SECRET) == ""


# --- bursts ----------------------------------------------------------------------------------


async def test_a_burst_on_a_sensitive_event_is_shown_to_members_and_nothing_is_blocked(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    member, event = await published_event(client, discreet=True)
    for n in range(anomalies.BURST_MIN):  # each from its own network
        await form_rsvp(app, f"198.51.{n}.10", event["id"], person(n))
    assert await statuses(event["id"]) == {"going": anomalies.BURST_MIN}  # never blocked

    body = await hints_of(client, member, event["id"])
    assert body["sensitive"] is True
    [burst] = body["hints"]
    assert burst["kind"] == "burst"
    assert burst["message"].startswith(f"{anomalies.BURST_MIN} sign-ups arrived between")
    rows = await signups_of(event["id"])
    assert sorted(burst["signup_ids"]) == sorted(str(r["id"]) for r in rows)

    text = await attendees_page(client, member, event["id"])
    assert 'class="warning hints" role="alert"' in text
    assert "Check these sign-ups" in text
    assert text.count('<span class="badge check">') == anomalies.BURST_MIN
    assert "burst of sign-ups" in text


async def test_no_burst_below_the_threshold_or_spread_over_time(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    member, event = await published_event(client, requires_approval=True)
    for n in range(anomalies.BURST_MIN - 1):
        await form_rsvp(app, f"198.51.{n}.10", event["id"], person(n))
    assert await hints_of(client, member, event["id"]) == {
        "event_id": event["id"],
        "sensitive": True,
        "hints": [],
    }
    text = await attendees_page(client, member, event["id"])
    assert "Check these sign-ups" not in text and "badge check" not in text

    # One more makes ten; but if they had come an hour apart there is no burst.
    await form_rsvp(app, "198.51.99.10", event["id"], person(99))
    assert kinds(await hints_of(client, member, event["id"])) == ["burst"]
    for n, row in enumerate(await signups_of(event["id"])):
        await Signup.update({Signup.created_at: row["created_at"] - timedelta(hours=n)}).where(
            Signup.id == row["id"]
        )
    assert kinds(await hints_of(client, member, event["id"])) == []


def test_the_burst_threshold_grows_with_the_capacity_within_bounds() -> None:
    assert anomalies.burst_threshold(None) == anomalies.BURST_MIN
    assert anomalies.burst_threshold(20) == anomalies.BURST_MIN
    assert anomalies.burst_threshold(150) == 30
    assert anomalies.burst_threshold(100_000) == anomalies.BURST_MAX


# --- one network -----------------------------------------------------------------------------


async def test_many_signups_from_one_ipv4_network_are_flagged(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    member, event = await published_event(client, address_visibility="attendees")
    same = [person(f"same{n}") for n in range(anomalies.NETWORK_MIN)]
    for n, body in enumerate(same):  # five addresses, one /24
        await form_rsvp(app, f"203.0.113.{n + 1}", event["id"], body)
    for n in range(3):
        await form_rsvp(app, f"192.0.{n}.1", event["id"], person(f"other{n}"))
    rows = await signups_of(event["id"])
    stored = {r["email"]: r["network"] for r in rows}
    assert len({stored[p["email"]] for p in same}) == 1  # one hash for the /24
    assert all(len(h) == 16 and "203" not in h and "." not in h for h in stored.values())

    body = await hints_of(client, member, event["id"])
    [hint] = body["hints"]
    assert hint["kind"] == "network"
    assert hint["message"].startswith(f"{anomalies.NETWORK_MIN} of 8 sign-ups came from one")
    assert stored[same[0]["email"]] not in hint["message"]  # never the hash
    flagged = {str(r["id"]) for r in rows if r["email"] in {p["email"] for p in same}}
    assert set(hint["signup_ids"]) == flagged
    assert await statuses(event["id"]) == {"going": 8}

    text = await attendees_page(client, member, event["id"])
    assert "shared network" in text
    assert text.count('<span class="badge check">') == anomalies.NETWORK_MIN
    assert stored[same[0]["email"]] not in text


async def test_many_signups_from_one_ipv6_network_through_the_api_are_flagged(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    member, event = await published_event(client, discreet=True)
    for n in range(anomalies.NETWORK_MIN):  # one /48, different /64s
        await api_rsvp(app, f"2001:db8:1:{n:x}::1", event["id"], person(n))
    await api_rsvp(app, "2001:db8:2::1", event["id"], person("elsewhere"))
    [hint] = (await hints_of(client, member, event["id"]))["hints"]
    assert hint["kind"] == "network"
    assert len(hint["signup_ids"]) == anomalies.NETWORK_MIN


async def test_signups_spread_over_networks_or_a_small_share_are_not_flagged(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    member, event = await published_event(client, discreet=True)
    for n in range(8):
        await form_rsvp(app, f"198.51.{n}.10", event["id"], person(n))
    assert kinds(await hints_of(client, member, event["id"])) == []
    # Five from one network among 21 is under a quarter: a shared Wi-Fi, not a wave.
    for n in range(anomalies.NETWORK_MIN):
        await form_rsvp(app, f"203.0.113.{n + 1}", event["id"], person(f"wifi{n}"))
    for n in range(8, 16):
        await form_rsvp(app, f"198.51.{n}.10", event["id"], person(n))
    assert len(await signups_of(event["id"])) == 21
    assert "network" not in kinds(await hints_of(client, member, event["id"]))


# --- one address on many sensitive events ------------------------------------------------------


async def test_one_address_on_many_other_sensitive_events_is_flagged_without_naming_them(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    member, event = await published_event(client, requires_approval=True, title="Our vigil")
    elsewhere = await member_with_org(name="Faraway Collective")
    _, own_other = await published_event(client, member, discreet=True, title="Our meeting")
    others = [
        own_other,
        (await published_event(client, elsewhere, requires_approval=True, title="Secret A"))[1],
        (await published_event(client, elsewhere, address_visibility="attendees"))[1],
    ]
    public = [(await published_event(client, elsewhere, title=f"March {n}"))[1] for n in range(3)]
    scout = person("scout", display_name="Sam Scout")
    regular = person("regular", display_name="Robin Regular")
    for n, other in enumerate(others):
        await form_rsvp(app, f"198.51.{n}.1", other["id"], scout)
    for n, other in enumerate(public):  # three events, none of them sensitive
        await form_rsvp(app, f"198.51.{n}.2", other["id"], regular)
    await form_rsvp(app, "198.51.50.1", event["id"], scout)
    await form_rsvp(app, "198.51.51.1", event["id"], regular)

    [hint] = (await hints_of(client, member, event["id"]))["hints"]
    assert hint["kind"] == "many_events"
    assert hint["message"] == (
        "Sam Scout signed up to 3 or more other sensitive events in the last 30 days "
        "(1 of them your organization's)."
    )
    [row] = [r for r in await signups_of(event["id"]) if r["email"] == scout["email"]]
    assert hint["signup_ids"] == [str(row["id"])]
    assert await statuses(event["id"]) == {"pending": 2}  # nobody blocked or changed

    text = await attendees_page(client, member, event["id"])
    assert "many sensitive events" in text and text.count('<span class="badge check">') == 1
    for leak in ("Faraway Collective", "Secret A", "Our meeting"):
        assert leak not in text

    # Only recent signups count.
    await Signup.update({Signup.created_at: Signup.created_at - timedelta(days=31)}).where(
        Signup.event.is_in([uuid.UUID(o["id"]) for o in others])
    )
    assert kinds(await hints_of(client, member, event["id"])) == []


# --- where hints show, and to whom -------------------------------------------------------------


async def test_a_non_sensitive_event_has_no_hints(app: Litestar, client: httpx.AsyncClient) -> None:
    member, event = await published_event(client)
    for n in range(anomalies.BURST_MIN):  # a burst, all from one network
        await form_rsvp(app, "203.0.113.5", event["id"], person(n))
    body = await hints_of(client, member, event["id"])
    assert body == {"event_id": event["id"], "sensitive": False, "hints": []}
    text = await attendees_page(client, member, event["id"])
    assert "Check these sign-ups" not in text and "badge check" not in text


async def test_hints_are_for_members_of_the_organization_only(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    member, event = await published_event(client, discreet=True)
    for n in range(anomalies.BURST_MIN):
        await form_rsvp(app, f"198.51.{n}.10", event["id"], person(n))
    path = f"/api/v1/events/{event['id']}/signup-hints"
    assert (await client.get(path)).status_code == 401
    other = await member_with_org(name="Other group")
    hidden = await client.get(path, headers=other.bearer)
    assert hidden.status_code == 404 and "sign-ups" not in hidden.text
    missing = await client.get(f"/api/v1/events/{uuid.uuid4()}/signup-hints", headers=other.bearer)
    assert missing.status_code == 404
    viewer = await add_member(member, "viewer")
    assert kinds(await hints_of(client, viewer, event["id"])) == ["burst"]
    async with browser(app, "192.0.2.1") as stranger:
        await sign_in(stranger, other.email)
        page = await stranger.get(f"/organizer/events/{event['id']}/attendees")
        assert page.status_code == 404 and "Check these sign-ups" not in page.text


# --- the network hash is personal data ---------------------------------------------------------


async def test_the_network_hash_goes_when_a_volunteer_deletes_themselves_and_on_purge(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    member, event = await published_event(client, discreet=True)
    same = [person(f"same{n}") for n in range(anomalies.NETWORK_MIN)]
    for n, body in enumerate(same):
        await form_rsvp(app, f"203.0.113.{n + 1}", event["id"], body)
    assert kinds(await hints_of(client, member, event["id"])) == ["network"]

    token = await manage_token(same[0]["email"])
    deleted = await post_form(
        client, f"/m/{token}/delete", f"/m/{token}/delete", {"confirm": "yes"}
    )
    assert deleted.status_code == 303, deleted.text
    networks = [r["network"] for r in await signups_of(event["id"])]
    assert sorted(networks)[0] == "" and len(set(networks)) == 2  # theirs is blank
    assert kinds(await hints_of(client, member, event["id"])) == []  # 4 left: under the floor

    ended = datetime.fromisoformat(event["ends_at"])
    report = await lifecycle.purge(30, now=ended + timedelta(days=31))
    assert report.signups == anomalies.NETWORK_MIN - 1
    assert {r["network"] for r in await signups_of(event["id"])} == {""}
