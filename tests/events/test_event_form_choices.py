"""The event form in an organizer's words: reminders as choices, neutral subjects by
default for a hidden address, and a past start only when recording a past event."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import httpx

from server.events.tables import Event
from server.tokens import utcnow
from tests.conftest import csrf_token
from tests.events.helpers import event_form, member_with_org, sign_in


async def _post(client: httpx.AsyncClient, page: str, data: Mapping[str, Any]) -> httpx.Response:
    token = await csrf_token(client, page)
    return await client.post(page, data={**data, "_csrf_token": token})


async def _new(client: httpx.AsyncClient) -> str:
    member = await member_with_org()
    await sign_in(client, member.email)
    return f"/organizer/orgs/{member.org_id}/events/new"


async def _stored(answer: httpx.Response) -> dict[str, object]:
    assert answer.status_code == 303, answer.text
    event_id = answer.headers["location"].rsplit("/", 1)[-1]
    row = await Event.select().where(Event.id == event_id).first()
    assert row is not None
    return row


async def test_reminders_are_choices_in_words(client: httpx.AsyncClient) -> None:
    new = await _new(client)
    form = await client.get(new)
    for words in ("1 week before", "1 day before", "2 hours before", "30 minutes before"):
        assert words in form.text
    assert 'name="reminder_minutes" value="1440" checked' in form.text  # the usual ones
    assert 'name="reminder_minutes" value="10080">' in form.text
    chosen = await _post(
        client, new, {**event_form(), "reminders_shown": "1", "reminder_minutes": ["10080", "30"]}
    )
    assert (await _stored(chosen))["reminder_minutes"] == "10080,30"
    none = await _post(client, new, {**event_form(), "reminders_shown": "1"})
    assert (await _stored(none))["reminder_minutes"] == ""  # none ticked: no reminders


async def test_a_hidden_address_gets_neutral_subjects_unless_told(
    client: httpx.AsyncClient,
) -> None:
    new = await _new(client)
    form = await client.get(new)
    assert 'name="discreet" value="auto" checked' in form.text
    assert 'name="waitlist_enabled" value="yes" checked' in form.text
    hidden = await _post(
        client, new, {**event_form(address_visibility="attendees"), "discreet": "auto"}
    )
    assert (await _stored(hidden))["discreet"] is True
    public = await _post(client, new, {**event_form(), "discreet": "auto"})
    assert (await _stored(public))["discreet"] is False
    chosen = await _post(
        client, new, {**event_form(address_visibility="attendees"), "discreet": "no"}
    )
    assert (await _stored(chosen))["discreet"] is False  # changeable


async def test_a_past_start_needs_saying_so(client: httpx.AsyncClient) -> None:
    new = await _new(client)
    day = (utcnow() - timedelta(days=3)).date().isoformat()
    past = event_form(starts_at=f"{day}T18:00", ends_at=f"{day}T20:00")
    refused = await _post(client, new, past)
    assert refused.status_code == 422
    assert "This start is in the past" in refused.text
    assert 'name="past_ok" value="yes"' in refused.text
    assert await Event.count() == 0
    recorded = await _post(client, new, {**past, "past_ok": "yes"})
    row = await _stored(recorded)
    # Editing it later keeps its start: no confirmation again.
    edit = f"/organizer/events/{row['id']}/edit"
    edited = await _post(client, edit, {**past, "title": "Vigil (recorded)"})
    assert edited.status_code == 303
