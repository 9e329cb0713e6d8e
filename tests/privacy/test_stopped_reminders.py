"""Reminders of someone no longer going (blocked, cancelled, removed, moved to the
waitlist) are not planned again when the event moves: a re-planned reminder carried the
new hidden address to them (invariant 2). Found by the permission crawl's mail check."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from server.mail import service as mail
from server.mail.delivery import FileTransport
from server.mail.worker import Worker
from server.signups import notices
from tests.events.helpers import event_json
from tests.signups.helpers import (
    add_shift,
    mails_to,
    manage_token,
    person,
    published_event,
    rsvp,
    signups_of,
    soon,
)


async def test_a_moved_event_reminds_no_one_who_stopped_going(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    """An organizer blocks an infiltrator (or someone cancels, is removed or moved to the
    waitlist) after their first reminder went out, then moves the event to a new secret
    place: the re-planned reminders must not carry the new address to them (invariant 2).
    Unblocked, they are going again and reminded again."""
    member, event = await published_event(
        client,
        address_visibility="attendees",
        address="Old Place 1",
        starts_at=soon(days=14),
        ends_at=soon(days=14, hour=20),
    )
    shift = await add_shift(
        client, member, event["id"], starts_at=soon(days=14, hour=17), ends_at=soon(days=14)
    )
    people = {key: person(key) for key in ("blocked", "cancelled", "removed", "going", "moved")}
    for key, body in people.items():
        extra = {"shift_id": shift["id"]} if key == "moved" else {}
        assert (await rsvp(client, event["id"], {**body, **extra})).status_code == 201
    signups = {row["email"]: row for row in await signups_of(event["id"])}
    starts = datetime.fromisoformat(event["starts_at"])
    worker = Worker(mail.config(), FileTransport(tmp_path / "mail"))
    await notices.flush()  # what the RSVPs owe is composed, then the day-before reminders go
    await worker.drain(now=starts - timedelta(hours=23))
    for key, action in (("blocked", "block"), ("removed", "remove")):
        signup_id = signups[people[key]["email"].lower()]["id"]
        done = await client.post(f"/api/v1/signups/{signup_id}/{action}", headers=member.bearer)
        assert done.status_code == 200, done.text
    # The shift shrinks: its volunteer moves to the waitlist (and is no longer going).
    smaller = {
        "role": "Marshal",
        "starts_at": soon(days=14, hour=17),
        "ends_at": soon(days=14),
        "capacity": 0,
        "move_to_waitlist": [str(signups[people["moved"]["email"].lower()]["id"])],
    }
    shrunk = await client.put(f"/api/v1/shifts/{shift['id']}", json=smaller, headers=member.bearer)
    assert shrunk.status_code == 200, shrunk.text
    token = await manage_token(people["cancelled"]["email"])
    cancelled = await client.delete("/api/v1/signups/manage", headers={"X-Manage-Token": token})
    assert cancelled.status_code == 200, cancelled.text

    secret = f"New Canaryhaus {uuid.uuid4().hex[:12]}"
    moved = event_json(
        starts_at=soon(days=21),
        ends_at=soon(days=21, hour=20),
        address_visibility="attendees",
        address=secret,
    )
    put = await client.put(f"/api/v1/events/{event['id']}", json=moved, headers=member.bearer)
    assert put.status_code == 200, put.text

    async def told(key: str) -> list[str]:
        rows = await mails_to(people[key]["email"])
        return [r["kind"] for r in rows if r["status"] != "dropped" and secret in r["text_body"]]

    assert await told("going"), "the one still going is reminded of the new place"
    for key in ("blocked", "cancelled", "removed", "moved"):
        assert await told(key) == [], key

    blocked_id = signups[people["blocked"]["email"].lower()]["id"]
    unblocked = await client.post(f"/api/v1/signups/{blocked_id}/unblock", headers=member.bearer)
    assert unblocked.status_code == 200, unblocked.text
    assert await told("blocked") == ["reminder", "reminder"]
