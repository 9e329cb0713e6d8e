"""The audit log: what is recorded with whom, who may read it, paging, coalescing, atomicity.

Attendee views and exports (and the owners' email) are in tests/signups/test_audit_views.py.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from server.accounts import audit, members, twofactor
from server.accounts.tables import AuditEntry
from server.events import hooks
from server.events.hooks import EventChanged
from tests.events.helpers import (
    ClientFactory,
    Member,
    add_member,
    create_event,
    event_json,
    member_with_org,
    sign_in,
)


async def _log(client: httpx.AsyncClient, member: Member, **params: Any) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/organizations/{member.org_id}/audit", params=params, headers=member.bearer
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


async def _actions(client: httpx.AsyncClient, member: Member) -> list[tuple[str, str, str]]:
    """(action, actor name, subject), oldest first."""
    items = (await _log(client, member, limit=200))["items"]
    # The helpers mint API tokens, and every new token is logged ("account."): not these.
    return [
        (e["action"], e["actor_name"], e["subject"])
        for e in reversed(items)
        if not e["action"].startswith("account.")
    ]


async def _forget_account_entries() -> None:
    """Drop the helpers' "API token created" entries, for tests that count entries."""
    await AuditEntry.delete().where(AuditEntry.action.like("account.%"))


async def test_member_changes_are_recorded_with_who_did_them(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    invited = await add_member(owner, "viewer")  # a real invitation, accepted
    memberships = await members.members(owner.who, owner.org_id)
    [target] = [m for m in memberships if m["display_name"] == invited.who.display_name]
    await members.remove_member(owner.who, owner.org_id, target["id"])
    await twofactor.set_organization_requirement(owner.who, owner.org_id, False)

    assert await _actions(client, owner) == [
        ("member.invited", "Ada Organizer", invited.email),
        ("invitation.accepted", "Second Person", "Second Person"),
        ("member.removed", "Ada Organizer", "Second Person"),
        ("org.require_2fa_changed", "Ada Organizer", ""),
    ]
    items = (await _log(client, owner, family="member"))["items"]
    items = (await _log(client, owner, family="org"))["items"] + items
    assert items[0]["detail"] == "no longer required"
    assert items[-1]["detail"] == "viewer"  # the invited role
    assert items[-1]["actor_id"] == str(owner.who.id)


async def test_event_and_shift_changes_are_recorded_via_the_api(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    organizer = await add_member(owner, "organizer")
    event = await create_event(client, organizer, publish=True)
    path = f"/api/v1/events/{event['id']}"
    changed = await client.put(
        path, json=event_json(title="Vigil moved", capacity=40), headers=organizer.bearer
    )
    assert changed.status_code == 200, changed.text
    assert (await client.post(f"{path}/cancel", headers=organizer.bearer)).status_code == 200
    copy = await client.post(f"{path}/duplicate", headers=organizer.bearer)
    assert copy.status_code in (200, 201), copy.text
    shift = await client.post(
        f"{path}/shifts",
        json={
            "role": "Marshal",
            "starts_at": "2026-12-05T17:00:00",
            "ends_at": "2026-12-05T19:00:00",
        },
        headers=organizer.bearer,
    )
    assert shift.status_code == 201, shift.text
    shift_id = shift.json()["id"]
    deleted = await client.delete(f"/api/v1/shifts/{shift_id}", headers=organizer.bearer)
    assert deleted.status_code in (200, 204), deleted.text

    items = list(reversed((await _log(client, owner, limit=200))["items"]))
    events = [e for e in items if e["action"].split(".")[0] in ("event", "shift")]
    assert [(e["action"], e["subject"]) for e in events] == [
        ("event.created", "Vigil for Chechnya"),
        ("event.published", "Vigil for Chechnya"),
        ("event.updated", "Vigil moved"),
        ("event.cancelled", "Vigil moved"),
        ("event.created", "Vigil moved"),
        ("shift.created", "Vigil moved"),
        ("shift.deleted", "Vigil moved"),
    ]
    assert all(e["actor_name"] == "Second Person" for e in events)
    assert all(e["via"] == "API token tests" for e in events)
    assert events[2]["detail"] == "title, capacity"  # field names, never their values
    assert events[4]["detail"] == f"copy of {event['id']}"
    assert events[5]["detail"] == "Marshal"
    assert {e["subject_id"] for e in events[:4]} == {event["id"]}


async def test_a_failed_change_leaves_no_entry(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    event = await create_event(client, owner)

    async def broken_listener(change: EventChanged) -> None:
        raise RuntimeError("a listener failed halfway")

    hooks.changed.subscribe(broken_listener)  # runs after the audit entry is written
    try:
        failed = await client.put(
            f"/api/v1/events/{event['id']}",
            json=event_json(title="Never saved"),
            headers=owner.bearer,
        )
        assert failed.status_code == 500
    finally:
        hooks.changed.listeners.remove(broken_listener)
    assert [e["action"] for e in (await _log(client, owner, family="event"))["items"]] == [
        "event.created"
    ]
    assert await AuditEntry.count().where(AuditEntry.subject == "Never saved") == 0


async def test_only_owners_read_the_log(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    owner = await member_with_org()
    await create_event(client, owner)
    organizer = await add_member(owner, "organizer")
    viewer = await add_member(owner, "viewer")
    stranger = await member_with_org(name="Another group")
    api = f"/api/v1/organizations/{owner.org_id}/audit"
    page = f"/organizer/orgs/{owner.org_id}/audit"

    assert (await client.get(api)).status_code == 401
    anonymous = await client.get(page)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login?next=")
    for member in (organizer, viewer):
        denied = await client.get(api, headers=member.bearer)
        assert denied.status_code == 403
        assert denied.headers["content-type"].startswith("application/problem+json")
    missing = await client.get(api, headers=stranger.bearer)
    assert missing.status_code == 404
    unknown = await client.get(f"/api/v1/organizations/{uuid.uuid4()}/audit", headers=owner.bearer)
    assert unknown.status_code == 404

    for member, status in ((organizer, 403), (viewer, 403), (stranger, 404), (owner, 200)):
        async with client_factory() as browser:
            await sign_in(browser, member.email)
            response = await browser.get(page)
            assert response.status_code == status, member.who.display_name
            org_page = await browser.get(f"/organizer/orgs/{owner.org_id}")
            linked = f'href="{page}"' in org_page.text
            assert linked is (member is owner)
            if member is owner:
                assert response.headers["cache-control"] == "no-store"
                assert "event.created" in response.text and "Vigil for Chechnya" in response.text


async def test_pages_go_back_in_time_without_gaps(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    await _forget_account_entries()
    for n in range(5):
        await audit.record(owner.org_id, owner.who, "event.updated", f"Event {n}")
    await audit.record(owner.org_id, owner.who, "member.invited", "someone@example.org")
    first = await _log(client, owner, limit=2)
    assert [e["subject"] for e in first["items"]] == ["someone@example.org", "Event 4"]
    second = await _log(client, owner, limit=2, before=first["next_before"])
    third = await _log(client, owner, limit=2, before=second["next_before"])
    assert [e["subject"] for e in second["items"] + third["items"]] == [
        f"Event {n}" for n in (3, 2, 1, 0)
    ]
    assert third["next_before"] is None
    events_only = await _log(client, owner, family="event")
    assert len(events_only["items"]) == 5

    for bad in ({"limit": 0}, {"limit": 201}, {"family": "volunteers"}, {"before": "yesterday"}):
        response = await client.get(
            f"/api/v1/organizations/{owner.org_id}/audit", params=bad, headers=owner.bearer
        )
        assert response.status_code == 400, bad


async def test_the_owner_page_pages_and_filters(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    for n in range(audit.DEFAULT_LIMIT + 3):
        await audit.record(owner.org_id, owner.who, "event.updated", f"Event {n}")
    await audit.record(owner.org_id, owner.who, "member.invited", "someone@example.org")
    await sign_in(client, owner.email)
    page = f"/organizer/orgs/{owner.org_id}/audit"
    newest = await client.get(page)
    assert newest.status_code == 200
    assert "someone@example.org" in newest.text and "Event 0<" not in newest.text
    older = newest.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    rest = await client.get(older.replace("&amp;", "&"))
    assert rest.status_code == 200
    assert "Event 0<" in rest.text and "someone@example.org" not in rest.text
    filtered = await client.get(page, params={"family": "member"})
    assert "someone@example.org" in filtered.text and "Event 1<" not in filtered.text
    mangled = await client.get(page, params={"before": "not-a-time", "family": "nonsense"})
    assert mangled.status_code == 200 and "someone@example.org" in mangled.text


async def test_repeated_views_are_one_entry(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    other = await add_member(owner, "viewer")
    event_id = uuid.uuid4()
    for _ in range(3):
        assert await audit.record(
            owner.org_id, owner.who, "checkin.viewed", "Vigil", "3 rows", subject_id=event_id,
            coalesce=True,
        ) is (_ == 0)  # fmt: skip
    await audit.record(
        owner.org_id, other.who, "checkin.viewed", "Vigil", "4 rows", subject_id=event_id,
        coalesce=True,
    )  # fmt: skip
    views = AuditEntry.action == "checkin.viewed"
    [mine] = await AuditEntry.select().where(views & (AuditEntry.actor == owner.who.id))
    assert mine["repeats"] == 3 and mine["last_at"] >= mine["created_at"]
    assert mine["detail"] == "3 rows"
    assert await AuditEntry.count().where(views) == 2  # the other viewer has their own entry
    # Ten minutes after the first view a new entry starts.
    await AuditEntry.update(
        {AuditEntry.created_at: mine["created_at"] - audit.COALESCE_WINDOW - timedelta(seconds=1)}
    ).where(AuditEntry.id == mine["id"])
    assert await audit.record(
        owner.org_id, owner.who, "checkin.viewed", "Vigil", "5 rows", subject_id=event_id,
        coalesce=True,
    )  # fmt: skip
    assert await AuditEntry.count().where(views & (AuditEntry.actor == owner.who.id)) == 2
    # Changes are never coalesced.
    for _ in range(2):
        await audit.record(owner.org_id, owner.who, "event.updated", "Vigil", subject_id=event_id)
    assert await AuditEntry.count().where(AuditEntry.action == "event.updated") == 2


async def test_text_is_one_line_and_fits_the_columns(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    await audit.record(owner.org_id, owner.who, "event.updated", "A\x00B\nC" + "x" * 400, "d\te")
    [row] = await AuditEntry.select().where(AuditEntry.action == "event.updated")
    assert row["subject"].startswith("A B C") and len(row["subject"]) == 300
    assert row["detail"] == "d e"
