"""A repeat RSVP is no oracle and breaks nothing; counted places need a confirmation.

What an attacker who knows someone's address tries: RSVP with it and watch the answer,
the places left, the waitlist; do it again and again to kill the volunteer's link or
flood their inbox; sign them up to take a place in their name.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from server.privacy import lifecycle as privacy
from server.signups.rsvp import CONFIRM_WITHIN
from server.signups.tables import Signup, Volunteer
from server.tokens import utcnow
from tests.signups.helpers import (
    confirm,
    mails_to,
    manage_token,
    person,
    published_event,
    rsvp,
    rsvp_confirmed,
    signups_of,
)


def _answer(response: httpx.Response) -> tuple[int, dict[str, Any]]:
    return response.status_code, response.json()


async def _availability(client: httpx.AsyncClient, event_id: str) -> dict[str, Any]:
    answer = await client.get(f"/api/v1/events/{event_id}/availability")
    assert answer.status_code == 200
    found: dict[str, Any] = answer.json()
    return found


async def test_a_repeat_keeps_the_link_changes_nothing_and_mails_once_a_day(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client)  # no capacity: going at once
    me = person(1)
    assert (await rsvp(client, event["id"], me)).json()["status"] == "going"
    link = await manage_token(me["email"])
    newcomer = person(2)
    fresh = await rsvp(client, event["id"], newcomer)
    for _ in range(3):  # a stranger, again and again, with my address and another name
        again = await rsvp(client, event["id"], {**me, "display_name": "Impostor"})
        assert _answer(again) == _answer(fresh)  # the same answer as a newcomer's
    assert (await client.get(f"/m/{link}")).status_code == 200  # my link still works
    assert "Impostor" not in (await client.get(f"/m/{link}")).text
    kinds = [m["kind"] for m in await mails_to(me["email"])]
    assert kinds.count("rsvp_again") == 1  # one "already signed up" a day, not three
    assert kinds.count("rsvp_confirmation") == 1
    again_mail = next(m for m in await mails_to(me["email"]) if m["kind"] == "rsvp_again")
    assert "/m/" not in again_mail["text_body"] and "/my/" not in again_mail["text_body"]
    assert [r["display_name"] for r in await signups_of(event["id"])] == [
        me["display_name"],
        newcomer["display_name"],
    ]


async def test_places_left_never_tell_a_known_address_from_a_new_one(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client, capacity=5, max_guests=2)
    known, new = person("known"), person("new")
    assert (await rsvp_confirmed(client, event["id"], known)).json()["status"] == "going"
    before = await _availability(client, event["id"])
    assert before["places_left"] == 4
    await mails_to(known["email"])  # the background sender has done its work
    answers = []
    for body in (known, new):
        answers.append(_answer(await rsvp(client, event["id"], {**body, "guests": 2})))
        assert await _availability(client, event["id"]) == before
    assert answers[0] == answers[1]
    assert answers[0][1]["status"] == "unconfirmed"
    # One mail each for it: "already signed up" for the known, "confirm" for the new.
    assert [m["kind"] for m in await mails_to(known["email"])].count("rsvp_again") == 1
    assert [m["kind"] for m in await mails_to(new["email"])] == ["rsvp_unconfirmed"]


async def test_an_unconfirmed_rsvp_takes_nothing_and_nobody_sees_it(
    client: httpx.AsyncClient,
) -> None:
    member, event = await published_event(client, capacity=1)
    victim = person("victim")
    answer = await rsvp(client, event["id"], victim)  # sent by someone else
    assert answer.status_code == 201 and answer.json()["status"] == "unconfirmed"
    assert (await _availability(client, event["id"]))["places_left"] == 1
    roster = await client.get(f"/api/v1/events/{event['id']}/attendees", headers=member.bearer)
    assert roster.status_code == 200
    assert victim["email"] not in roster.text and victim["display_name"] not in roster.text
    confirm_mail = [m for m in await mails_to(victim["email"]) if m["kind"] == "rsvp_unconfirmed"]
    assert len(confirm_mail) == 1 and "/m/" in confirm_mail[0]["text_body"]
    assert "ignore this email" in confirm_mail[0]["text_body"]


async def test_confirming_takes_the_place_then_the_waitlist(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client, capacity=1, waitlist_enabled=True)
    first, second = person(1), person(2)
    for body in (first, second):
        assert (await rsvp(client, event["id"], body)).json()["status"] == "unconfirmed"
    # The one who confirms first gets the place, whoever RSVP'd first.
    assert (await confirm(client, second["email"])).json()["status"] == "going"
    assert (await confirm(client, first["email"])).json()["status"] == "waitlisted"
    assert (await confirm(client, first["email"])).json()["status"] == "waitlisted"  # twice: fine
    rows = {r["email"]: r for r in await signups_of(event["id"])}
    assert rows[second["email"]]["status"] == "going"
    assert rows[first["email"]]["waitlisted_at"] is not None
    assert (await _availability(client, event["id"]))["places_left"] == 0
    kinds = [m["kind"] for m in await mails_to(second["email"])]
    assert "rsvp_confirmation" in kinds  # with its calendar invitation and reminders


async def test_confirming_when_nothing_is_left_is_a_clear_conflict(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client, capacity=1, waitlist_enabled=False)
    late = person("late")
    await rsvp(client, event["id"], late)
    await rsvp_confirmed(client, event["id"], person("early"))
    refused = await confirm(client, late["email"])
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [r["status"] for r in await signups_of(event["id"])] == ["unconfirmed", "going"]


async def test_the_confirm_page_button_works_without_javascript(
    client: httpx.AsyncClient,
) -> None:
    from tests.conftest import csrf_token

    _, event = await published_event(client, capacity=3)
    me = person(1)
    await rsvp(client, event["id"], me)
    token = await manage_token(me["email"])
    page = await client.get(f"/m/{token}")
    assert "Confirm my place" in page.text
    assert "You hold no place yet" in page.text and "gives your place" not in page.text
    csrf = await csrf_token(client, f"/m/{token}")
    assert (await client.post(f"/m/{token}/confirm")).status_code == 403  # CSRF holds
    pressed = await client.post(f"/m/{token}/confirm", data={"_csrf_token": csrf})
    assert pressed.status_code == 303
    assert "Confirm my place" not in (await client.get(f"/m/{token}")).text
    assert [r["status"] for r in await signups_of(event["id"])] == ["going"]


async def test_unconfirmed_rsvps_and_their_addresses_are_dropped(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client, capacity=3)
    stranger, kept = person("stranger"), person("kept")
    await rsvp(client, event["id"], stranger)
    await rsvp(client, event["id"], kept)
    await Signup.update(
        {Signup.created_at: utcnow() - CONFIRM_WITHIN - timedelta(minutes=1)}, force=True
    )
    await confirm(client, kept["email"])
    await privacy.purge(days=30)
    assert await Volunteer.count().where(Volunteer.email == stranger["email"]) == 0
    assert await Signup.count() == 1
    assert await mails_to(stranger["email"]) == []  # the mail with the address is gone too
