"""The RSVP options of an event: validated by the events service, shown as they should be."""

from __future__ import annotations

import httpx

from tests.events.helpers import create_event, event_form, member_with_org, post_form, sign_in
from tests.signups.helpers import published_event, soon


async def test_options_are_validated_and_named(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    body = {
        "title": "Vigil",
        "starts_at": soon(),
        "ends_at": soon(hour=20),
        "city": "Berlin",
        "max_guests": 21,
        "reminder_minutes": [1, 1440],
    }
    answer = await client.post(
        f"/api/v1/organizations/{member.org_id}/events", json=body, headers=member.bearer
    )
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"max_guests", "reminder_minutes"}
    many = {**body, "max_guests": 2, "reminder_minutes": [60, 120, 180, 240, 300, 360]}
    answer = await client.post(
        f"/api/v1/organizations/{member.org_id}/events", json=many, headers=member.bearer
    )
    assert answer.status_code == 422


async def test_public_and_member_views_of_the_options(client: httpx.AsyncClient) -> None:
    member, event = await published_event(
        client,
        waitlist_enabled=False,
        requires_approval=True,
        max_guests=3,
        discreet=True,
        reminder_minutes=[60, 2880],
    )
    mine = (await client.get(f"/api/v1/events/{event['id']}", headers=member.bearer)).json()
    assert mine["waitlist_enabled"] is False and mine["requires_approval"] is True
    assert mine["max_guests"] == 3 and mine["discreet"] is True
    assert mine["reminder_minutes"] == [2880, 60]
    public = (await client.get(f"/api/v1/events/{event['id']}")).json()
    assert public["max_guests"] == 3 and public["requires_approval"] is True
    assert public["discreet"] is None and public["reminder_minutes"] is None
    listed = (await client.get("/api/v1/events")).json()["items"]
    found = [e for e in listed if e["id"] == event["id"]]
    assert found and found[0]["waitlist_enabled"] is False


async def test_defaults(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    event = await create_event(client, member, starts_at=soon(), ends_at=soon(hour=20))
    mine = (await client.get(f"/api/v1/events/{event['id']}", headers=member.bearer)).json()
    assert (mine["waitlist_enabled"], mine["requires_approval"], mine["max_guests"]) == (
        True,
        False,
        0,
    )
    assert mine["discreet"] is False and mine["reminder_minutes"] == [1440, 120]


async def test_the_organizer_form_sets_the_options(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    await sign_in(client, member.email)
    new = f"/organizer/orgs/{member.org_id}/events/new"
    page = await client.get(new)
    for name in (
        "waitlist_enabled",
        "requires_approval",
        "max_guests",
        "discreet",
        "reminder_minutes",
    ):
        assert f'name="{name}"' in page.text, name
    form = event_form(
        starts_at=soon()[:16],
        ends_at=soon(hour=20)[:16],
        waitlist_enabled="no",
        requires_approval="yes",
        max_guests="4",
        discreet="yes",
        reminder_minutes="30, 1440",
    )
    created = await post_form(client, new, new, form)
    assert created.status_code == 303, created.text
    event_id = created.headers["location"].rsplit("/", 1)[-1]
    mine = (await client.get(f"/api/v1/events/{event_id}", headers=member.bearer)).json()
    assert (mine["waitlist_enabled"], mine["requires_approval"], mine["max_guests"]) == (
        False,
        True,
        4,
    )
    assert mine["discreet"] is True and mine["reminder_minutes"] == [1440, 30]
    edit = await client.get(f"/organizer/events/{event_id}/edit")
    # Reminders are choices now: the event's are ticked.
    assert 'name="reminder_minutes" value="1440" checked' in edit.text
    assert 'name="reminder_minutes" value="30" checked' in edit.text
    assert 'name="reminder_minutes" value="120">' in edit.text
    bad = await post_form(
        client,
        new,
        new,
        event_form(
            starts_at=soon()[:16],
            ends_at=soon(hour=20)[:16],
            max_guests="lots",
            reminder_minutes="soon",
        ),
    )
    assert bad.status_code == 422
    assert 'id="max_guests-error"' in bad.text and 'id="reminder_minutes-error"' in bad.text
