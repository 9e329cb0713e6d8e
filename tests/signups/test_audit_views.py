"""Attendee data in the audit log: views (coalesced), exports (the owners are emailed),
signup decisions — and never a volunteer's name, email or phone in the log."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from server.accounts.tables import AuditEntry
from server.mail import sealed
from server.mail.tables import Outbox
from server.signups.audit_trail import KIND
from tests.conftest import csrf_token
from tests.events.helpers import Member, add_member, sign_in
from tests.signups.helpers import (
    add_shift,
    export_csv,
    person,
    published_event,
    rsvp,
    signups_of,
)

HTMX = {"HX-Request": "true"}


async def _entries(org_id: uuid.UUID, action: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await AuditEntry.select(
            *AuditEntry.all_columns(), AuditEntry.actor.display_name.as_alias("actor_name")
        )
        .where((AuditEntry.organization == org_id) & (AuditEntry.action == action))
        .order_by(AuditEntry.created_at)
    )
    return rows


async def _notices() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await Outbox.select().where(Outbox.kind == KIND)
    return [sealed.opened(row) for row in rows]  # bodies are sealed at rest


async def _team(
    client: httpx.AsyncClient, **event: Any
) -> tuple[Member, dict[str, Any], dict[str, Member]]:
    owner, published = await published_event(client, **event)
    team = {
        "owner2": await add_member(owner, "owner"),
        "organizer": await add_member(owner, "organizer"),
        "viewer": await add_member(owner, "viewer"),
    }
    return owner, published, team


async def test_a_csv_export_emails_every_owner_and_nobody_else(
    client: httpx.AsyncClient, client_factory: Any
) -> None:
    owner, event, team = await _team(client, title="Vigil for Chechnya")
    for n in range(3):
        await rsvp(client, event["id"], person(n))
    viewer = team["viewer"]
    async with client_factory() as browser:
        await sign_in(browser, viewer.email)
        response = await export_csv(browser, event["id"], status="going")
        assert response.status_code == 200
        assert (await export_csv(browser, event["id"])).status_code == 200  # a second export

    mails = await _notices()
    owners = {owner.email.lower(), team["owner2"].email.lower()}
    assert sorted(m["recipient"] for m in mails) == sorted([*owners, *owners])
    assert len({m["idempotency_key"] for m in mails}) == 4  # one per owner and export
    mail = mails[0]
    assert mail["subject"] == "Attendee list exported: Vigil for Chechnya"
    assert (
        "Second Person exported the attendee list of Vigil for Chechnya (3 rows) at "
        in (mail["text_body"])
    )
    assert f"http://testserver/organizer/orgs/{owner.org_id}/audit" in mail["text_body"]
    assert f'href="http://testserver/organizer/orgs/{owner.org_id}/audit"' in mail["html_body"]

    exports = await _entries(owner.org_id, "attendees.exported")
    assert [(e["actor_name"], e["detail"]) for e in exports] == [
        ("Second Person", "3 rows, filter: going"),
        ("Second Person", "3 rows"),
    ]
    assert exports[0]["actor"] == viewer.who.id and exports[0]["subject_id"] == event["id"]


async def test_a_discreet_event_keeps_its_title_out_of_the_subject(
    client: httpx.AsyncClient,
) -> None:
    owner, event = await published_event(client, title="Secret shelter meeting", discreet=True)
    await sign_in(client, owner.email)
    assert (await export_csv(client, event["id"])).status_code == 200
    [mail] = await _notices()
    assert mail["subject"] == "An attendee list was exported"
    assert "Secret shelter meeting" not in mail["subject"]


async def test_the_api_list_counts_as_an_export_once_per_ten_minutes(
    client: httpx.AsyncClient,
) -> None:
    owner, event, team = await _team(client)
    await rsvp(client, event["id"], person(1))
    path = f"/api/v1/events/{event['id']}/attendees"
    for _ in range(3):  # a script polling
        assert (await client.get(path, headers=team["organizer"].bearer)).status_code == 200
    [entry] = await _entries(owner.org_id, "attendees.exported")
    assert entry["via"] == "API token tests" and entry["repeats"] == 3
    assert entry["detail"] == "1 row, through the API"
    mails = await _notices()
    assert len(mails) == 2  # the two owners, once for the three reads
    assert "through the API (token: tests)" in mails[0]["text_body"]


async def test_views_are_recorded_and_coalesced(client: httpx.AsyncClient) -> None:
    owner, event, team = await _team(client)
    await rsvp(client, event["id"], person(1, display_name="Amira Haddad"))
    viewer = team["viewer"]
    await sign_in(client, viewer.email)
    attendees = f"/organizer/events/{event['id']}/attendees"
    checkin = f"/organizer/events/{event['id']}/checkin"
    assert (await client.get(attendees)).status_code == 200
    assert (await client.get(attendees, params={"status": "going"})).status_code == 200
    for q in ("", "ami", "amira"):  # the page, then htmx searches
        assert (await client.get(checkin, params={"q": q}, headers=HTMX)).status_code == 200

    [listed] = await _entries(owner.org_id, "attendees.viewed")
    assert listed["actor"] == viewer.who.id and listed["repeats"] == 2
    assert listed["detail"] == "1 row, filter: going"  # the latest view's filter
    [checked] = await _entries(owner.org_id, "checkin.viewed")
    assert checked["repeats"] == 3 and checked["detail"] == "1 row, filter: a name/email search"
    assert not await _notices()  # looking is not exporting


async def test_signup_decisions_name_the_signup_not_the_person(client: httpx.AsyncClient) -> None:
    _, event, team = await _team(client, requires_approval=True)
    await rsvp(client, event["id"], person(1))
    [signup] = await signups_of(event["id"])
    organizer = team["organizer"]
    approved = await client.post(
        f"/api/v1/signups/{signup['id']}/approve", headers=organizer.bearer
    )
    assert approved.status_code == 200
    await sign_in(client, organizer.email)
    token = await csrf_token(client, f"/organizer/events/{event['id']}/checkin")
    for action in ("check_in", "check_in", "undo_check_in"):  # the second changes nothing
        tapped = await client.post(
            f"/organizer/signups/{signup['id']}/{action}",
            data={"_csrf_token": token, "view": "checkin"},
            headers=HTMX,
        )
        assert tapped.status_code == 200
    decisions = [
        e
        for e in await AuditEntry.select().order_by(AuditEntry.created_at)
        if e["action"].startswith("signup.")
    ]
    assert [(e["action"], e["detail"], e["via"]) for e in decisions] == [
        ("signup.approved", f"signup {signup['id']}: pending -> going", "API token tests"),
        ("signup.checked_in", f"signup {signup['id']}: going -> checked_in", ""),
        ("signup.check_in_undone", f"signup {signup['id']}: checked_in -> going", ""),
    ]
    assert all(e["actor"] == organizer.who.id for e in decisions)


async def test_no_volunteer_data_reaches_the_log(client: httpx.AsyncClient) -> None:
    owner, event, team = await _team(client, requires_approval=True)
    canary = {
        "display_name": "Canary Zyxwvut",
        "email": "canary-zyxwvut@example.org",
        "phone": "+49 30 5550199",
    }
    await rsvp(client, event["id"], person("canary", **canary))
    [signup] = await signups_of(event["id"])
    await client.post(f"/api/v1/signups/{signup['id']}/approve", headers=owner.bearer)
    await client.get(
        f"/api/v1/events/{event['id']}/attendees", params={"q": "zyxwvut"}, headers=owner.bearer
    )
    await sign_in(client, team["organizer"].email)
    base = f"/organizer/events/{event['id']}"
    for path, params in (
        ("/attendees", {"q": "Canary Zyxwvut"}),
        ("/checkin", {"q": "canary-zyxwvut@example"}),
    ):
        response = await client.get(base + path, params=params)
        assert response.status_code == 200
    exported = await export_csv(client, event["id"], status="going")
    assert exported.status_code == 200
    assert "canary-zyxwvut@example.org" in exported.text  # the export itself has it
    token = await csrf_token(client, base + "/checkin")
    await client.post(f"/organizer/signups/{signup['id']}/check_in", data={"_csrf_token": token})

    rows = await AuditEntry.select()
    assert {r["action"] for r in rows} >= {
        "attendees.viewed",
        "attendees.exported",
        "checkin.viewed",
        "signup.approved",
        "signup.checked_in",
    }
    dump = repr(rows).lower()
    for value in ("zyxwvut", "canary", "5550199", "555 0199"):
        assert value not in dump, value
    for mail in await _notices():  # the owners' email does not carry them either
        assert "zyxwvut" not in (mail["text_body"] + (mail["html_body"] or "")).lower()


async def test_the_api_list_in_a_signed_in_browser_is_a_view_without_an_alarm(
    client: httpx.AsyncClient,
) -> None:
    """A link on another site can open this GET with the session cookie: it is logged as
    a view, and only a token's read (a script's copy) emails the owners."""
    owner, event = await published_event(client)
    await rsvp(client, event["id"], person(1))
    await sign_in(client, owner.email)
    listed = await client.get(f"/api/v1/events/{event['id']}/attendees")
    assert listed.status_code == 200 and listed.json()["items"]
    assert await _notices() == []
    assert await _entries(owner.org_id, "attendees.exported") == []
    [viewed] = await _entries(owner.org_id, "attendees.viewed")
    assert viewed["detail"] == "1 row, through the API"


async def test_the_shift_form_listing_who_is_going_is_a_logged_view(
    client: httpx.AsyncClient,
) -> None:
    owner, event = await published_event(client)
    shift = await add_shift(client, owner, event["id"], role="Marshal")
    await sign_in(client, owner.email)
    form = f"/organizer/shifts/{shift['id']}/edit"
    assert (await client.get(form)).status_code == 200
    assert await _entries(owner.org_id, "shift.viewed") == []  # nobody listed yet
    await rsvp(client, event["id"], person(1, shift_id=shift["id"]))
    for _ in range(2):
        assert (await client.get(form)).status_code == 200
    [viewed] = await _entries(owner.org_id, "shift.viewed")
    assert (viewed["subject"], viewed["detail"], viewed["repeats"]) == (
        "Marshal",
        "1 going listed",
        2,
    )
