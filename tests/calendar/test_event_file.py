"""``/events/{id}.ics`` ("Add to calendar") and the calendar links on the pages."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import icalendar
import pytest

from server.calendar.feeds import filename
from server.events import service as events_service
from tests.calendar.helpers import events_by_uid, feed, published
from tests.events.helpers import create_event, event_json, member_with_org, sign_in


async def test_event_file_is_a_download_with_a_reminder(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    event = await published(client, member, title="Vigil for Chechnya")
    response = await client.get(f"/events/{event['id']}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="vigil-for-chechnya.ics"'
    )
    assert response.headers["cache-control"] == "public, max-age=300"
    entry: Any = events_by_uid(response.content)[event["id"]]
    alarms = entry.walk("VALARM")
    assert len(alarms) == 1
    assert alarms[0]["TRIGGER"].dt == -timedelta(hours=2)
    assert str(alarms[0]["ACTION"]) == "DISPLAY"
    assert int(entry["SEQUENCE"]) == event["sequence"]
    # Revalidation without building, like the feeds.
    again = await client.get(
        f"/events/{event['id']}.ics", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    since = await client.get(
        f"/events/{event['id']}.ics",
        headers={"If-Modified-Since": response.headers["last-modified"]},
    )
    assert since.status_code == 304


async def test_file_name_is_ascii_and_keeps_the_title_in_filename_star(
    client: httpx.AsyncClient,
) -> None:
    assert filename("Vigil for Chechnya") == "vigil-for-chechnya.ics"
    assert filename("Solidarität: Kundgebung / Berlin!") == "solidaritat-kundgebung-berlin.ics"
    assert filename("Чечня") == "event.ics"
    assert filename('a"b\r\nc') == "a-b-c.ics"
    member = await member_with_org()
    event = await published(client, member, title="Митинг в Берлине")
    disposition = (await client.get(f"/events/{event['id']}.ics")).headers["content-disposition"]
    assert disposition.startswith("attachment; filename=\"event.ics\"; filename*=UTF-8''")
    assert unquote(disposition.split("''", 1)[1]) == "Митинг в Берлине.ics"


async def test_members_download_drafts_others_get_404(
    client: httpx.AsyncClient, client_factory: Any
) -> None:
    member = await member_with_org()
    draft = await create_event(client, member, title="Draft plan")
    assert (await client.get(f"/events/{draft['id']}.ics")).status_code == 404
    async with client_factory() as own:
        await sign_in(own, member.email)
        response = await own.get(f"/events/{draft['id']}.ics")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert str(events_by_uid(response.content)[draft["id"]]["STATUS"]) == "TENTATIVE"
    missing = "00000000-0000-4000-8000-000000000000"
    assert (await client.get(f"/events/{missing}.ics")).status_code == 404


def _links(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html)]


async def test_event_page_offers_download_and_subscriptions(client: httpx.AsyncClient) -> None:
    member = await member_with_org(name="Queer Refugees Berlin")
    campaign = await client.post(
        f"/api/v1/organizations/{member.org_id}/campaigns",
        json={"title": "#DontTurnAway"},
        headers=member.bearer,
    )
    campaign_id = campaign.json()["id"]
    event = await published(client, member, campaign_id=campaign_id)
    page = await client.get(f"/events/{event['id']}")
    assert page.status_code == 200
    links = _links(page.text)
    assert f"/events/{event['id']}.ics" in links
    org_feed = f"http://testserver/feeds/orgs/{member.org_id}.ics"
    campaign_feed = f"http://testserver/feeds/events.ics?campaign={campaign_id}"
    google = [link for link in links if link.startswith("/calendar/google?")]
    targets = set()
    for link in google:
        redirect = await client.get(link)
        assert redirect.status_code == 303
        location = redirect.headers["location"]
        assert location.startswith("https://calendar.google.com/calendar/r?cid=")
        targets.add(parse_qs(urlsplit(location).query)["cid"][0])
    for url in (org_feed, campaign_feed):
        webcal = "webcal://" + url.split("://", 1)[1]
        assert url in links and webcal in links
        assert webcal in targets  # Google subscribes to the same feed
    assert len(google) == 2
    # Pages link to our origin only (the redirect does the rest), and the redirect only
    # ever names our own feeds.
    assert not [link for link in links if link.startswith(("https://", "//"))]
    for bad in ("https://evil.example/x.ics", "//evil.example/x.ics", "/feeds/../admin",
                "/feeds/events.ics?x=<script>", "/events/1.ics"):  # fmt: skip
        assert (await client.get("/calendar/google", params={"feed": bad})).status_code == 404
    # Every linked feed answers, and holds this event.
    for url in (org_feed, campaign_feed):
        body = (await feed(client, url.removeprefix("http://testserver"))).content
        assert event["id"] in events_by_uid(body)
    assert 'hx-boost="false"' in page.text  # a calendar is not a page to swap in
    icalendar.Calendar.from_ical((await feed(client, f"/events/{event['id']}.ics")).content)


async def test_private_event_page_offers_no_public_subscription(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    event = await create_event(client, member, visibility="unlisted", publish=True)
    page = await client.get(f"/events/{event['id']}")
    links = _links(page.text)
    assert f"/events/{event['id']}.ics" in links
    assert not any(link.startswith("webcal://") for link in links)


async def test_home_page_subscribes_to_the_current_search(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    event = await published(client, member)
    page = await client.get("/?place=Berlin&radius_km=50")
    assert page.status_code == 200
    links = _links(page.text)
    feeds = [link for link in links if "/feeds/events.ics" in link]
    https = [link for link in feeds if link.startswith("http://testserver/feeds/events.ics?")]
    assert len(https) == 1
    query = parse_qs(urlsplit(https[0]).query)
    assert query["radius_km"] == ["50"]
    lat, lon = (float(v) for v in query["near"][0].split(","))
    assert abs(lat - 52.52) < 0.01 and abs(lon - 13.41) < 0.01
    assert "webcal://" + https[0].split("://", 1)[1] in links
    body = (await feed(client, https[0].removeprefix("http://testserver"))).content
    assert event["id"] in events_by_uid(body)
    # The htmx results fragment carries the link too (it replaces the results).
    fragment = await client.get(
        "/?place=Berlin&radius_km=50", headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert https[0] in _links(fragment.text)


async def test_anonymous_repeat_reads_run_no_query_and_a_change_is_seen(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anonymous readers are answered from the cache (304 or the same bytes) without a
    query; an edit moves the public state on, so the next read has the new title."""
    member = await member_with_org()
    event = await published(client, member, title="Vigil for Chechnya")
    url = f"/events/{event['id']}.ics"
    first = await client.get(url)
    assert first.status_code == 200

    async def no_query(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a cached event file ran the query")

    with monkeypatch.context() as patched:
        patched.setattr(events_service, "visible_event", no_query)
        again = await client.get(url)
        assert again.status_code == 200 and again.content == first.content
        fresh = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
        assert fresh.status_code == 304
    edited = await client.put(
        f"/api/v1/events/{event['id']}",
        json={**event_json(), "title": "Vigil moved indoors"},
        headers=member.bearer,
    )
    assert edited.status_code == 200, edited.text
    changed = await client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200 and b"Vigil moved indoors" in changed.content


async def test_members_never_get_the_cached_public_file(client: httpx.AsyncClient) -> None:
    """A member's file (exact address) is never cached for the public, nor the other way."""
    member = await member_with_org()
    event = await published(client, member, address="Hidden Yard 7", address_visibility="attendees")
    url = f"/events/{event['id']}.ics"
    public = await client.get(url)
    assert b"Hidden Yard 7" not in public.content
    own = await client.get(url, headers=member.bearer)
    # The API token is ignored off /api/v1: the member signs in like a browser would.
    assert b"Hidden Yard 7" not in own.content
    await sign_in(client, member.email)
    signed_in = await client.get(url)
    assert b"Hidden Yard 7" in signed_in.content
    assert signed_in.headers["cache-control"] == "no-store"
    client.cookies.clear()
    after = await client.get(url)
    assert b"Hidden Yard 7" not in after.content and after.content == public.content
