"""Change notices are marked by the organizer's edit and composed afterwards, for whoever
is still signed up then; composing failures back off and end after a bounded number of
attempts, without failing the edit or holding up other mail."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
import jinja2
import pytest

from server.mail import compose, retries, sealed
from server.mail.tables import EventNotice, Outbox
from server.signups import notices as signup_notices
from server.tokens import utcnow
from tests.events.helpers import event_json
from tests.signups.helpers import mails_to, manage_token, person, published_event, rsvp, soon


async def _going(client: httpx.AsyncClient, event_id: str, who: str) -> dict[str, Any]:
    body = person(who)
    answer = await rsvp(client, event_id, body)
    assert answer.status_code == 201 and answer.json()["status"] == "going", answer.text
    await mails_to(body["email"])  # what the RSVP owes is composed now
    return body


async def _move(client: httpx.AsyncClient, member: Any, event_id: str, **changes: Any) -> None:
    body = event_json(starts_at=soon(days=20), ends_at=soon(days=20, hour=20), **changes)
    answer = await client.put(f"/api/v1/events/{event_id}", json=body, headers=member.bearer)
    assert answer.status_code == 200, answer.text


async def _notices(kind: str = "event_changed") -> list[dict[str, Any]]:
    rows = await Outbox.select().where(Outbox.kind == kind)
    return [sealed.opened(row) for row in rows]


async def test_a_template_error_does_not_fail_the_edit_and_is_retried_a_bounded_number_of_times(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    member, event = await published_event(client, address_visibility="attendees")
    ada = await _going(client, event["id"], "ada")
    calls: list[str] = []

    def broken(info: compose.EventInfo, to: Any, **_: Any) -> compose.Draft:
        calls.append(to.email)
        raise jinja2.UndefinedError("'when' is undefined")

    monkeypatch.setattr(compose, "event_changed", broken)
    await _move(client, member, event["id"], address_visibility="attendees", address="Yard 2")

    # The edit committed and rendered nothing: it only left a marker (no values in it).
    assert calls == [] and await _notices() == []
    [marker] = await EventNotice.select()
    assert (marker["kind"], marker["attempts"], marker["status"]) == ("event_changed", 0, "pending")
    assert set(marker["changed"].split(",")) >= {"time", "place"}

    now = utcnow()
    assert await signup_notices.send_pending(now=now) == 0
    assert calls == [ada["email"].lower()]
    [marker] = await EventNotice.select()
    assert marker["attempts"] == 1 and "UndefinedError" in marker["last_error"]
    assert marker["next_attempt_at"] >= now + retries.BASE_DELAY * 0.75  # it backs off
    await signup_notices.send_pending(now=now)
    assert len(calls) == 1  # not again before its time
    # Other mail is not held up meanwhile: a new RSVP is answered.
    bo = person("bo")
    assert (await rsvp(client, event["id"], bo)).status_code == 201
    assert await signup_notices.send_pending(now=now) == 1
    assert await Outbox.exists().where(Outbox.recipient == bo["email"].lower())

    for _ in range(retries.MAX_ATTEMPTS + 3):
        now += retries.MAX_DELAY * 2
        await signup_notices.send_pending(now=now)
    assert calls == [ada["email"].lower()] * retries.MAX_ATTEMPTS
    [marker] = await EventNotice.select()
    assert (marker["status"], marker["attempts"]) == ("failed", retries.MAX_ATTEMPTS)
    attempts = len(calls)
    await signup_notices.send_pending(now=now + timedelta(days=1))
    assert len(calls) == attempts  # given up: an operator looks at it (logged)
    assert await _notices() == []


async def test_someone_who_stopped_going_before_the_notice_is_composed_gets_nothing(
    client: httpx.AsyncClient,
) -> None:
    member, event = await published_event(client, address_visibility="attendees")
    stays = await _going(client, event["id"], "stays")
    leaves = await _going(client, event["id"], "leaves")
    token = await manage_token(leaves["email"])
    hidden = f"Moved Yard {uuid.uuid4().hex[:8]}"
    await _move(client, member, event["id"], address_visibility="attendees", address=hidden)
    cancelled = await client.delete("/api/v1/signups/manage", headers={"X-Manage-Token": token})
    assert cancelled.status_code == 200, cancelled.text
    await signup_notices.flush()
    told = await _notices()
    assert [m["recipient"] for m in told] == [stays["email"]]
    assert hidden in told[0]["text_body"]
    raw = repr(await EventNotice.raw("SELECT * FROM mail_event_notice"))
    assert hidden not in raw  # the marker names what changed, never the values


async def test_a_signup_notice_that_fails_backs_off_and_does_not_hold_up_the_rest(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.mail import notices as notify

    _, event = await published_event(client)
    poison, fine = person("poison"), person("fine")
    for body in (poison, fine):
        assert (await rsvp(client, event["id"], body)).status_code == 201
    real = notify.tell_status
    calls: list[str] = []

    async def tell_status(event: Any, to: Any, status: str, *, key: str) -> None:
        calls.append(to.email)
        if to.email == poison["email"].lower():
            raise jinja2.TemplateSyntaxError("unexpected '}'", 1)
        await real(event, to, status, key=key)

    monkeypatch.setattr(notify, "tell_status", tell_status)
    now = utcnow()
    assert await signup_notices.send_pending(limit=1, now=now) == 0  # the poison, first
    assert await signup_notices.send_pending(limit=1, now=now) == 1  # then the next one
    assert calls == [poison["email"].lower(), fine["email"].lower()]

    for _ in range(retries.MAX_ATTEMPTS + 3):
        now += retries.MAX_DELAY * 2
        await signup_notices.send_pending(limit=1, now=now)
    assert calls.count(poison["email"].lower()) == retries.MAX_ATTEMPTS
    [given_up] = await retries.given_up("signup:")
    assert given_up["attempts"] == retries.MAX_ATTEMPTS
    assert "TemplateSyntaxError" in str(given_up["last_error"])


async def test_a_database_error_is_not_taken_for_a_deleted_signup(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.signups import rows

    _, event = await published_event(client)
    body = person("db")
    assert (await rsvp(client, event["id"], body)).status_code == 201
    real = rows.signup

    async def lost(signup_id: uuid.UUID) -> dict[str, Any]:
        raise ConnectionResetError("connection to the database lost")

    monkeypatch.setattr(rows, "signup", lost)
    now: datetime = utcnow()
    assert await signup_notices.send_pending(now=now) == 0  # not "sent"
    assert (await retries.known("signup:", now)) != {}
    monkeypatch.setattr(rows, "signup", real)
    assert await signup_notices.send_pending(now=now + retries.MAX_DELAY * 2) == 1
    assert await retries.known("signup:") == {}  # forgotten once it went through
    assert "rsvp_confirmation" in [m["kind"] for m in await mails_to(body["email"])]
