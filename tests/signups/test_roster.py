"""Organizers: attendee lists (members only), approvals, removal, silent blocks, CSV."""

from __future__ import annotations

import csv
import io

import httpx

from server.mail.tables import Outbox
from tests.conftest import csrf_token
from tests.events.helpers import ClientFactory, add_member, member_with_org, sign_in
from tests.signups.helpers import (
    export_csv,
    mails_to,
    manage_token,
    person,
    published_event,
    rsvp,
    rsvp_confirmed,
    signups_of,
)


async def _act(client: httpx.AsyncClient, bearer: dict[str, str], signup_id: object, action: str):
    return await client.post(f"/api/v1/signups/{signup_id}/{action}", headers=bearer)


async def test_attendees_are_for_members_only(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    member, event = await published_event(client, capacity=10)
    await rsvp_confirmed(client, event["id"], person(1, phone="+49 30 123"))
    other = await member_with_org(name="Other group")
    path = f"/api/v1/events/{event['id']}/attendees"
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, headers=other.bearer)).status_code == 404
    mine = await client.get(path, headers=member.bearer)
    assert mine.status_code == 200
    assert mine.headers["cache-control"] == "no-store"
    body = mine.json()
    assert body["counts"]["going"] == 1 and body["counts"]["places_taken"] == 1
    assert body["items"][0]["phone"] == "+49 30 123"
    [row] = await signups_of(event["id"])
    # Another organization's organizer cannot act on it, or learn that it exists.
    assert (await _act(client, other.bearer, row["id"], "remove")).status_code == 404
    async with client_factory() as browser:
        await sign_in(browser, other.email)
        for page in ("attendees", "checkin", "shifts"):
            response = await browser.get(f"/organizer/events/{event['id']}/{page}")
            assert response.status_code == 404, page
            assert "Volunteer 1" not in response.text
        token = await csrf_token(browser, "/organizer")
        export = await browser.post(
            f"/organizer/events/{event['id']}/attendees/export.csv", data={"_csrf_token": token}
        )
        assert export.status_code == 404 and "Volunteer 1" not in export.text
    # A viewer of the organization reads, but cannot change anything.
    viewer = await add_member(member, "viewer")
    assert (await client.get(path, headers=viewer.bearer)).status_code == 200
    assert (await _act(client, viewer.bearer, row["id"], "remove")).status_code == 403


async def test_approval_flow(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client, requires_approval=True, capacity=1)
    first, second, third = person(1), person(2), person(3)
    for p in (first, second, third):
        assert (await rsvp_confirmed(client, event["id"], p)).json()["status"] == "pending"
    rows = {r["email"]: r for r in await signups_of(event["id"])}
    assert [m["kind"] for m in await mails_to(third["email"])] == ["rsvp_pending"]
    approved = await _act(client, member.bearer, rows[first["email"]]["id"], "approve")
    assert approved.status_code == 200 and approved.json()["status"] == "going"
    # Full now: the next approval puts them on the waitlist.
    later = await _act(client, member.bearer, rows[second["email"]]["id"], "approve")
    assert later.json()["status"] == "waitlisted"
    declined = await _act(client, member.bearer, rows[third["email"]]["id"], "decline")
    assert declined.json()["status"] == "declined"
    assert (
        await _act(client, member.bearer, rows[third["email"]]["id"], "approve")
    ).status_code == 409
    kinds = [m["kind"] for m in await mails_to(third["email"])]
    assert kinds == ["rsvp_pending", "rsvp_declined"]
    assert "rsvp_confirmation" in [m["kind"] for m in await mails_to(first["email"])]


async def test_removal_promotes_the_waitlist_and_tells_both(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client, capacity=1)
    going, waiting = person(1), person(2)
    await rsvp_confirmed(client, event["id"], going)
    await rsvp_confirmed(client, event["id"], waiting)
    assert [m["kind"] for m in await mails_to(waiting["email"])] == [
        "rsvp_unconfirmed",
        "rsvp_confirmation",
    ]
    rows = {r["email"]: r for r in await signups_of(event["id"])}
    removed = await _act(client, member.bearer, rows[going["email"]]["id"], "remove")
    assert removed.json()["status"] == "declined"
    after = {r["email"]: r for r in await signups_of(event["id"])}
    assert after[waiting["email"]]["status"] == "going"
    assert after[waiting["email"]]["promoted_at"] is not None
    assert "waitlist_promotion" in [m["kind"] for m in await mails_to(waiting["email"])]
    assert "rsvp_declined" in [m["kind"] for m in await mails_to(going["email"])]


async def test_a_silently_blocked_person_sees_nothing_unusual(client: httpx.AsyncClient) -> None:
    member, event = await published_event(
        client, capacity=1, address_visibility="attendees", address="Hidden Lane 9"
    )
    suspect, next_in_line = person(1), person(2)
    await rsvp_confirmed(client, event["id"], suspect)
    await rsvp_confirmed(client, event["id"], next_in_line)
    token = await manage_token(suspect["email"])
    assert "Hidden Lane 9" in (await client.get(f"/m/{token}")).text
    rows = {r["email"]: r for r in await signups_of(event["id"])}
    blocked = await _act(client, member.bearer, rows[suspect["email"]]["id"], "block")
    assert blocked.json()["blocked"] is True
    # Their place went to the next person; they are never counted.
    after = {r["email"]: r for r in await signups_of(event["id"])}
    assert after[next_in_line["email"]]["status"] == "going"
    roster = (
        await client.get(f"/api/v1/events/{event['id']}/attendees", headers=member.bearer)
    ).json()
    assert roster["counts"]["going"] == 1 and roster["counts"]["blocked"] == 1
    # Their page is an ordinary waitlist page, without the address.
    page = await client.get(f"/m/{token}")
    assert page.status_code == 200
    assert "You are on the waitlist." in page.text
    assert "Hidden Lane 9" not in page.text
    api = await client.get("/api/v1/signups/manage", headers={"X-Manage-Token": token})
    assert api.json()["status"] == "waitlisted" and api.json()["event"]["address"] is None
    # RSVPing again looks like anyone else's RSVP, and mails no address.
    again = await rsvp(client, event["id"], suspect)
    assert again.status_code == 201 and again.json()["status"] == "unconfirmed"
    newest = await manage_token(suspect["email"])
    for mail in await mails_to(suspect["email"]):
        if newest in mail["text_body"]:
            assert "Hidden Lane 9" not in mail["text_body"]
            assert mail["ics"] is None
    # No reminder (which would carry the address) is left for them.
    pending = await Outbox.select().where(
        (Outbox.recipient == suspect["email"])
        & (Outbox.kind == "reminder")
        & (Outbox.status == "queued")
    )
    assert pending == []


async def test_csv_export_is_a_private_attachment_without_formulas(
    client: httpx.AsyncClient,
) -> None:
    member, event = await published_event(client)
    await rsvp_confirmed(client, event["id"], person(1, display_name='=HYPERLINK("http://evil")'))
    await rsvp_confirmed(
        client, event["id"], person(2, display_name="Ada", phone="+44 20 7946 0000")
    )
    await sign_in(client, member.email)
    assert (
        await client.get(f"/organizer/events/{event['id']}/attendees/export.csv")
    ).status_code == 405  # a link cannot set off an export (it emails the owners)
    response = await export_csv(client, event["id"])
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["name", "email", "phone"]
    names = [r[0] for r in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in names and "Ada" in names
    phones = [r[2] for r in rows[1:]]
    assert "'+44 20 7946 0000" in phones
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)


async def test_attendees_page_lists_counts_and_acts(client: httpx.AsyncClient) -> None:
    member, event = await published_event(client, requires_approval=True)
    await rsvp_confirmed(client, event["id"], person(1, display_name="Pending Pat"))
    await sign_in(client, member.email)
    path = f"/organizer/events/{event['id']}/attendees"
    page = await client.get(path)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "Pending Pat" in page.text and "Waiting for approval" in page.text
    [row] = await signups_of(event["id"])
    from tests.conftest import csrf_token

    token = await csrf_token(client, path)
    answer = await client.post(
        f"/organizer/signups/{row['id']}/approve",
        data={"_csrf_token": token, "next": path + "?status=pending"},
    )
    assert answer.status_code == 303 and answer.headers["location"] == path + "?status=pending"
    assert (await signups_of(event["id"]))[0]["status"] == "going"
    # `next` never leaves the organizer pages.
    away = await client.post(
        f"/organizer/signups/{row['id']}/remove",
        data={"_csrf_token": token, "next": "https://evil.example/"},
    )
    assert away.headers["location"] == path


async def test_a_volunteer_who_deleted_their_data_is_only_a_count(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    """Their signup keeps its place in the counts but shows nothing, takes no decision and
    no mail goes to the stand-in address."""
    from server.privacy import lifecycle

    member, event = await published_event(client, requires_approval=True)
    gone = person("gone", display_name="Canary Gone", phone="+44 7700 900123")
    await rsvp_confirmed(client, event["id"], gone)
    await rsvp_confirmed(client, event["id"], person("stays", display_name="Still Here"))
    [row, _] = await signups_of(event["id"])
    await lifecycle.delete(row["volunteer"])

    listed = await client.get(f"/api/v1/events/{event['id']}/attendees", headers=member.bearer)
    assert listed.json()["counts"]["pending"] == 2
    assert "deleted.invalid" not in listed.text and "Canary Gone" not in listed.text
    refused = await _act(client, member.bearer, row["id"], "approve")
    assert refused.status_code == 409
    assert not await Outbox.exists().where(Outbox.recipient.like("%.invalid"))
    async with client_factory() as browser:
        await sign_in(browser, member.email)
        page = await browser.get(f"/organizer/events/{event['id']}/attendees")
        assert "Deleted their data" in page.text and "Still Here" in page.text
        assert "deleted.invalid" not in page.text
        assert f"/organizer/signups/{row['id']}/" not in page.text  # no buttons for it


async def test_blocking_drops_a_confirmation_with_the_address_not_yet_sent(
    client: httpx.AsyncClient,
) -> None:
    """The worker may not have sent the "you're going" mail (with the exact address) when
    an organizer blocks an infiltrator: it must not go out after the block."""
    member, event = await published_event(
        client, address_visibility="attendees", address="Hidden Yard 9"
    )
    suspect = person("suspect")
    await rsvp_confirmed(client, event["id"], suspect)
    [queued] = [m for m in await mails_to(suspect["email"]) if m["kind"] == "rsvp_confirmation"]
    assert queued["status"] == "queued" and "Hidden Yard 9" in queued["text_body"]
    [row] = await signups_of(event["id"])
    blocked = await _act(client, member.bearer, row["id"], "block")
    assert blocked.status_code == 200
    pending_with_address = [
        m
        for m in await mails_to(suspect["email"])
        if m["status"] == "queued" and "Hidden Yard 9" in (m["text_body"] + (m["ics"] or ""))
    ]
    assert pending_with_address == []
