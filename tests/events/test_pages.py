"""Organizer pages: list, create, edit, publish, cancel, duplicate, campaigns; the event page."""

from __future__ import annotations

import httpx

from server.events.tables import Campaign, Event
from tests.events.helpers import (
    ClientFactory,
    add_member,
    create_event,
    event_form,
    member_with_org,
    post_form,
    sign_in,
)


async def test_organizer_creates_edits_publishes_cancels_and_duplicates(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org(name="Berlin Group")
    await sign_in(client, member.email)
    listing = await client.get(f"/organizer/orgs/{member.org_id}/events")
    assert listing.status_code == 200
    assert listing.headers["cache-control"] == "no-store"
    assert "No events yet." in listing.text

    new = f"/organizer/orgs/{member.org_id}/events/new"
    form = await client.get(new)
    assert form.status_code == 200
    assert '<option value="">From the city</option>' in form.text
    assert 'type="datetime-local"' in form.text
    created = await post_form(client, new, new, event_form())
    assert created.status_code == 303
    event_id = created.headers["location"].rsplit("/", 1)[-1]

    page = await client.get(f"/events/{event_id}")
    assert "Draft" in page.text and "Vigil for Chechnya" in page.text
    edit = f"/organizer/events/{event_id}/edit"
    edited = await post_form(client, edit, edit, event_form(title="Vigil at the Gate"))
    assert edited.status_code == 303
    assert edited.headers["location"] == f"/events/{event_id}"

    published = await post_form(
        client, f"/events/{event_id}", f"/organizer/events/{event_id}/publish"
    )
    assert published.status_code == 303
    confirm = await client.get(f"/organizer/events/{event_id}/cancel")
    assert "Yes, cancel this event" in confirm.text
    cancelled = await post_form(
        client, f"/organizer/events/{event_id}/cancel", f"/organizer/events/{event_id}/cancel"
    )
    assert cancelled.status_code == 303
    row = await Event.select().where(Event.id == event_id).first()
    assert row is not None
    assert (row["title"], row["status"]) == ("Vigil at the Gate", "cancelled")
    assert row["sequence"] == 3  # title, publish, cancel

    copied = await post_form(
        client, f"/events/{event_id}", f"/organizer/events/{event_id}/duplicate"
    )
    assert copied.status_code == 303
    assert copied.headers["location"].endswith("/edit")
    listing = await client.get(f"/organizer/orgs/{member.org_id}/events")
    assert listing.text.count("Vigil at the Gate") >= 2
    assert "Cancelled" in listing.text and "Draft" in listing.text


async def test_editing_the_city_moves_the_point_and_zone(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    await sign_in(client, member.email)
    event = await create_event(client, member)
    edit = f"/organizer/events/{event['id']}/edit"
    shown = await client.get(edit)
    assert 'value="52.52437"' in shown.text
    # The organizer changes only the city (the form still holds Berlin's point and zone).
    form = event_form(
        city="Toronto",
        country="CA",
        lat="52.52437",
        lon="13.41053",
        timezone="Europe/Berlin",
        address="100 Queen St W",
    )
    response = await post_form(client, edit, edit, form)
    assert response.status_code == 303, response.text
    row = await Event.select().where(Event.id == event["id"]).first()
    assert row is not None
    assert row["timezone"] == "America/Toronto"
    assert round(row["lat"], 1) == 43.7


async def test_campaign_form(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    await sign_in(client, member.email)
    page = f"/organizer/orgs/{member.org_id}/events"
    action = f"/organizer/orgs/{member.org_id}/campaigns"
    bad = await post_form(client, page, action, {"title": "", "description": "kept text"})
    assert bad.status_code == 422
    assert 'id="title-error"' in bad.text and "kept text" in bad.text
    assert await Campaign.count() == 0
    good = await post_form(client, page, action, {"title": "#DontTurnAway"})
    assert good.status_code == 303
    listing = await client.get(page)
    assert "#DontTurnAway" in listing.text
    form = await client.get(f"/organizer/orgs/{member.org_id}/events/new")
    assert "#DontTurnAway</option>" in form.text


async def test_organizer_pages_send_anonymous_visitors_to_login(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    event = await create_event(client, member)
    for path in (
        f"/organizer/orgs/{member.org_id}/events",
        f"/organizer/orgs/{member.org_id}/events/new",
        f"/organizer/events/{event['id']}/edit",
    ):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


async def test_viewer_role_sees_the_list_but_cannot_edit(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    owner = await member_with_org()
    viewer = await add_member(owner, "viewer")
    event = await create_event(client, owner)
    async with client_factory() as browser:
        await sign_in(browser, viewer.email)
        listing = await browser.get(f"/organizer/orgs/{owner.org_id}/events")
        assert listing.status_code == 200 and "Vigil for Chechnya" in listing.text
        assert "New event" not in listing.text
        page = await browser.get(f"/events/{event['id']}")
        assert page.status_code == 200 and "/edit" not in page.text
        assert (await browser.get(f"/organizer/events/{event['id']}/edit")).status_code == 403
        response = await post_form(
            browser, f"/events/{event['id']}", f"/organizer/events/{event['id']}/publish"
        )
        assert response.status_code == 403
    row = await Event.select(Event.status).where(Event.id == event["id"]).first()
    assert row is not None and row["status"] == "draft"


async def test_markdown_description_is_sanitized(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    text = (
        "**Bring candles**\n\n<script>alert(1)</script>\n\n"
        "[link](javascript:alert(2)) [ok](https://example.org) ![x](https://evil.example/t.png)"
    )
    event = await create_event(
        client, member, publish=True, description=text, description_format="markdown"
    )
    page = (await client.get(f"/events/{event['id']}")).text
    assert "<strong>Bring candles</strong>" in page
    assert "<script>alert(1)" not in page
    assert 'href="javascript:' not in page
    assert "<img" not in page
    assert 'href="https://example.org" rel="nofollow noopener noreferrer"' in page


async def test_plain_description_keeps_line_breaks_and_escapes(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    event = await create_event(
        client, member, publish=True, description="Line one\nLine <two>\n\nNext"
    )
    page = (await client.get(f"/events/{event['id']}")).text
    assert "<p>Line one<br>\nLine &lt;two&gt;</p>" in page
    assert "<p>Next</p>" in page


async def test_online_event_without_a_place(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    event = await create_event(
        client,
        member,
        publish=True,
        city="",
        country="",
        address="",
        venue_name="",
        timezone="Europe/London",
        online_url="https://meet.example.org/phone-bank",
    )
    assert event["lat"] is None and event["online"] is True
    page = (await client.get(f"/events/{event['id']}")).text
    assert 'href="https://meet.example.org/phone-bank"' in page
    assert "GMT" in page
