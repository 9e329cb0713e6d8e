"""Bad input gets a 4xx naming the field and writes nothing; floods get 429."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from server.mail.tables import Outbox
from server.signups.tables import Signup, Volunteer
from tests.signups.helpers import add_shift, api_csrf, person, published_event, rsvp


async def _nothing_written() -> None:
    assert await Signup.count() == 0
    assert await Volunteer.count() == 0
    assert await Outbox.count() == 0


def _fields(response: httpx.Response) -> set[str]:
    return {e["field"] for e in response.json().get("errors", [])}


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"email": None}, "email", 400),  # missing
        ({"email": ""}, "email", 422),
        ({"email": "not-an-email"}, "email", 422),
        ({"guests": -1}, "guests", 422),
        ({"guests": 3}, "guests", 422),  # more than max_guests (2)
        ({"guests": "two"}, "guests", 400),
        ({"display_name": "   "}, "display_name", 422),
        ({"phone": "call me maybe"}, "phone", 422),
        ({"shift_id": str(uuid.uuid4())}, "shift_id", 422),  # unknown shift
        ({"shift_id": "not-a-uuid"}, "shift_id", 400),
        ({"surprise": 1}, "surprise", 400),
    ],
)
async def test_bad_rsvp_is_refused_and_nothing_written(
    client: httpx.AsyncClient, change: dict[str, Any], field: str, status: int
) -> None:
    _, event = await published_event(client, max_guests=2)
    body = person(1)
    for key, value in change.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    answer = await rsvp(client, event["id"], body)
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert field in _fields(answer), answer.text
    await _nothing_written()


async def test_shift_of_another_event_is_refused(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client)
    _, other = await published_event(client, member)
    foreign = await add_shift(client, member, other["id"])
    answer = await rsvp(client, event["id"], person(1, shift_id=foreign["id"]))
    assert answer.status_code == 422
    assert _fields(answer) == {"shift_id"}
    assert answer.json()["errors"][0]["message"] == "Choose one of this event's shifts."
    await _nothing_written()


async def test_every_bad_field_is_named_at_once(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client)
    answer = await rsvp(
        client,
        event["id"],
        {"display_name": "", "email": "x", "guests": -2, "shift_id": str(uuid.uuid4())},
    )
    assert answer.status_code == 422
    assert _fields(answer) == {"display_name", "email", "guests", "shift_id"}
    await _nothing_written()


async def test_rsvp_needs_a_json_body(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client)
    answer = await client.post(
        f"/api/v1/events/{event['id']}/signups",
        content=b'{"display_name": "A", "email": "a@example.org"}',
        headers={"Content-Type": "text/plain", **await api_csrf(client)},
    )
    assert answer.status_code in (400, 415)
    await _nothing_written()


async def test_drafts_cancelled_and_past_events_take_no_rsvps(client: httpx.AsyncClient) -> None:
    from tests.events.helpers import create_event

    member, event = await published_event(client)
    draft = await create_event(client, member)
    assert (await rsvp(client, draft["id"])).status_code == 404
    assert (await rsvp(client, str(uuid.uuid4()))).status_code == 404
    cancelled = await client.post(f"/api/v1/events/{event['id']}/cancel", headers=member.bearer)
    assert cancelled.status_code == 200
    answer = await rsvp(client, event["id"])
    assert answer.status_code == 409 and "cancelled" in answer.json()["detail"]
    await _nothing_written()


async def test_a_flood_of_rsvps_is_stopped_with_429(client: httpx.AsyncClient) -> None:
    from server.signups.api import RSVP_LIMIT_PER_MINUTE

    _, event = await published_event(client)
    codes = [
        (await rsvp(client, event["id"], person(n))).status_code
        for n in range(RSVP_LIMIT_PER_MINUTE + 5)
    ]
    assert codes[:RSVP_LIMIT_PER_MINUTE] == [201] * RSVP_LIMIT_PER_MINUTE
    assert codes[RSVP_LIMIT_PER_MINUTE:] == [429] * 5
    assert await Signup.count() == RSVP_LIMIT_PER_MINUTE  # the refused ones wrote nothing
    limited = await rsvp(client, event["id"], person("late"))
    assert limited.status_code == 429 and "retry-after" in limited.headers
    # The form shares the same limit.
    page = await client.post(f"/events/{event['id']}/rsvp", data=person("form"))
    assert page.status_code in (403, 429)
    # Another client is not affected.
    other = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=client._transport.app, client=("198.51.100.9", 1)),  # type: ignore[attr-defined]
        base_url="http://testserver",
    )
    async with other:
        assert (await rsvp(other, event["id"], person("other"))).status_code == 201
