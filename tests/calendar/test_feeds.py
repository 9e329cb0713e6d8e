"""Public feeds as calendar apps see them: parsers, instants, SEQUENCE, ETag/304, cancellations."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import httpx
import icalendar
import pytest
import vobject

from server.calendar import feeds, http, routes
from tests.calendar.helpers import count_routed, events_by_uid, feed, instants, published
from tests.events.helpers import event_json, member_with_org

TRICKY = "Bring water.\nSigns: yes; flags, too — Чечня, ЛГБТ, 🏳️‍🌈\n\nMeet at the fountain, 9:45."


async def test_feeds_parse_in_three_parsers_with_the_right_instants(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    toronto = await published(
        client,
        member,
        city="Toronto",
        country="CA",
        venue_name="Nathan Phillips Square",
        address="100 Queen St W",
        starts_at="2026-12-05T10:00:00",
        ends_at="2026-12-05T12:00:00",
    )
    oslo = await published(
        client,
        member,
        city="Oslo",
        country="NO",
        venue_name="Eidsvolls plass",
        address="Karl Johans gate 22",
        starts_at="2026-12-05T10:00:00",
        ends_at="2026-12-05T12:00:00",
    )
    expected = {
        toronto["id"]: datetime(2026, 12, 5, 15, 0, tzinfo=UTC),  # EST, UTC-5
        oslo["id"]: datetime(2026, 12, 5, 9, 0, tzinfo=UTC),  # CET, UTC+1
    }
    for path in ("/feeds/events.ics", f"/feeds/orgs/{member.org_id}.ics"):
        response = await feed(client, path)
        got = {uid.split("@")[0]: when for uid, when in instants(response.content).items()}
        assert got == expected, path
        text = response.text
        assert "DTSTART;TZID=America/Toronto:20261205T100000" in text
        assert "DTSTART;TZID=Europe/Oslo:20261205T100000" in text
        assert "BEGIN:VTIMEZONE\r\nTZID:America/Toronto" in text
        assert "BEGIN:VTIMEZONE\r\nTZID:Europe/Oslo" in text
    for event_id, when in expected.items():
        single = await feed(client, f"/events/{event_id}.ics")
        assert instants(single.content) == {f"{event_id}@testserver": when}


async def test_feed_headers_and_calendar_properties(client: httpx.AsyncClient) -> None:
    member = await member_with_org(name="Rainbow Railroad Berlin")
    event = await published(client, member)
    response = await feed(client, f"/feeds/orgs/{member.org_id}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["etag"].startswith('"') and not response.headers["etag"].startswith(
        "W/"
    )
    assert parsedate_to_datetime(response.headers["last-modified"]) <= datetime.now(UTC)
    text = response.text
    assert "NAME:Muster: Rainbow Railroad Berlin" in text
    assert "X-WR-CALNAME:Muster: Rainbow Railroad Berlin" in text
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text
    assert "X-PUBLISHED-TTL:PT1H" in text
    assert f"UID:feed-org-org-{member.org_id}@testserver" in text
    assert f"UID:{event['id']}@testserver" in text
    assert f"URL:http://testserver/events/{event['id']}" in text
    assert "GEO:52.52437;13.41053" in text
    assert "STATUS:CONFIRMED" in text
    assert "BEGIN:VALARM" not in text  # alarms only in the file a volunteer downloads
    # No Accept negotiation: Google's fetcher sends none, browsers send text/html.
    for accept in ("", "text/html", "application/json"):
        again = await client.get(f"/feeds/orgs/{member.org_id}.ics", headers={"Accept": accept})
        assert again.status_code == 200 and again.content == response.content


async def test_description_round_trips(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    event = await published(client, member, description=TRICKY)
    expected = TRICKY + f"\n\nhttp://testserver/events/{event['id']}"
    for path in ("/feeds/events.ics", f"/events/{event['id']}.ics"):
        body = (await feed(client, path)).content
        parsed = events_by_uid(body)[event["id"]]
        assert str(parsed["DESCRIPTION"]) == expected
        vcal = vobject.readOne(io.StringIO(body.decode()))
        assert vcal.vevent.description.value == expected
        assert "<" not in body.decode()  # plain text, never HTML


async def test_update_bumps_sequence_and_changes_the_etag(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    event = await published(client, member)
    path = f"/feeds/orgs/{member.org_id}.ics"
    first = await feed(client, path)
    before = int(events_by_uid(first.content)[event["id"]]["SEQUENCE"])

    moved = await client.put(
        f"/api/v1/events/{event['id']}",
        json=event_json(starts_at="2026-12-05T19:00:00", ends_at="2026-12-05T21:00:00"),
        headers=member.bearer,
    )
    assert moved.status_code == 200, moved.text

    second = await feed(client, path, **{"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert second.headers["etag"] != first.headers["etag"]
    changed = events_by_uid(second.content)[event["id"]]
    assert int(changed["SEQUENCE"]) == before + 1
    assert changed.start == datetime(2026, 12, 5, 18, 0, tzinfo=UTC)
    # Same UID: calendars update the entry instead of adding a second one.
    assert str(changed["UID"]) == f"{event['id']}@testserver"
    single = await feed(client, f"/events/{event['id']}.ics")
    assert int(events_by_uid(single.content)[event["id"]]["SEQUENCE"]) == before + 1


async def test_unchanged_feed_is_byte_identical_and_answers_304(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    await published(client, member)
    await published(client, member, title="Second vigil", starts_at="2026-12-06T18:00:00",
                    ends_at="2026-12-06T20:00:00")  # fmt: skip
    path = "/feeds/events.ics"
    first = await feed(client, path)
    http.forget()  # a rebuild (another instance, or after a restart) gives the same bytes
    second = await feed(client, path)
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]

    tag, modified = first.headers["etag"], first.headers["last-modified"]
    by_tag = await feed(client, path, **{"If-None-Match": tag})
    assert by_tag.status_code == 304 and by_tag.content == b""
    assert by_tag.headers["etag"] == tag
    assert by_tag.headers["cache-control"] == "public, max-age=300"
    # Answered before routing (calendar.routes._from_cache), still with the app's headers.
    assert by_tag.headers["x-content-type-options"] == "nosniff"
    assert by_tag.headers["last-modified"] == modified
    by_date = await feed(client, path, **{"If-Modified-Since": modified})
    assert by_date.status_code == 304
    earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
    assert (await feed(client, path, **{"If-Modified-Since": earlier})).status_code == 200
    # If-None-Match decides when both are sent (RFC 9110).
    both = await feed(client, path, **{"If-None-Match": '"other"', "If-Modified-Since": modified})
    assert both.status_code == 200

    # A change to an event outside this feed moves the version, not this feed's ETag.
    other = await member_with_org()
    await published(client, other, city="Oslo", country="NO", address="", venue_name="")
    org_feed = f"/feeds/orgs/{member.org_id}.ics"
    before = await feed(client, org_feed)
    await published(client, other, city="Oslo", country="NO", address="", venue_name="",
                    title="Another")  # fmt: skip
    after = await feed(client, org_feed, **{"If-None-Match": before.headers["etag"]})
    assert after.status_code == 304
    assert (await feed(client, path, **{"If-None-Match": tag})).status_code == 200


async def test_cancellation_is_marked_then_leaves_after_30_days(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await member_with_org()
    # Months ahead: still upcoming when the cancellation is 30 days old.
    event = await published(client, member, starts_at="2027-04-10T18:00:00",
                            ends_at="2027-04-10T20:00:00")  # fmt: skip
    path = f"/feeds/orgs/{member.org_id}.ics"
    live = await feed(client, path)
    cancelled = await client.post(f"/api/v1/events/{event['id']}/cancel", headers=member.bearer)
    assert cancelled.status_code == 200

    response = await feed(client, path, **{"If-None-Match": live.headers["etag"]})
    assert response.status_code == 200
    entry = events_by_uid(response.content)[event["id"]]
    assert str(entry["STATUS"]) == "CANCELLED"
    assert int(entry["SEQUENCE"]) > int(events_by_uid(live.content)[event["id"]]["SEQUENCE"])
    assert str(entry["SUMMARY"]).startswith("Cancelled:")
    single = await feed(client, f"/events/{event['id']}.ics")
    assert "STATUS:CANCELLED" in single.text and "BEGIN:VALARM" not in single.text

    now = time.time()
    monkeypatch.setattr(routes, "clock", lambda: now + 29 * 86400)
    assert event["id"] in events_by_uid((await feed(client, path)).content)
    monkeypatch.setattr(routes, "clock", lambda: now + 31 * 86400)
    assert event["id"] not in events_by_uid((await feed(client, path)).content)
    assert event["id"] not in events_by_uid((await feed(client, "/feeds/events.ics")).content)


async def test_ended_events_stay_30_days(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await member_with_org()
    event = await published(client, member)  # 5 December 2026, 18:00-20:00 Berlin
    ended = datetime(2026, 12, 5, 19, 0, tzinfo=UTC).timestamp()
    path = "/feeds/events.ics"
    monkeypatch.setattr(routes, "clock", lambda: ended + 29 * 86400)
    assert event["id"] in events_by_uid((await feed(client, path)).content)
    monkeypatch.setattr(routes, "clock", lambda: ended + 31 * 86400)
    assert events_by_uid((await feed(client, path)).content) == {}


async def test_empty_feed_is_a_valid_calendar(client: httpx.AsyncClient) -> None:
    response = await feed(client, "/feeds/events.ics?near=-33.87,151.21&radius_km=50")
    parsed = icalendar.Calendar.from_ical(response.content)
    assert parsed.events == []
    assert "Events within 50 km of -33.87, 151.21" in str(parsed["X-WR-CALNAME"])
    assert vobject.readOne(io.StringIO(response.text)).name == "VCALENDAR"


async def test_gzip_is_its_own_representation(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    await published(client, member, description=TRICKY)
    path = f"/feeds/orgs/{member.org_id}.ics"
    plain = await client.get(path, headers={"Accept-Encoding": "identity"})
    zipped = await client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decodes it
    assert plain.headers["vary"] == zipped.headers["vary"] == "accept-encoding"
    assert zipped.headers["etag"] == plain.headers["etag"][:-1] + '-gz"'
    again = await client.get(path, headers={"Accept-Encoding": "gzip"})
    assert again.headers["etag"] == zipped.headers["etag"]  # the same bytes again
    # Either ETag revalidates, and the 304 names the representation asked for.
    for tag in (plain.headers["etag"], zipped.headers["etag"]):
        answer = await client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
        assert answer.status_code == 304
        assert answer.headers["etag"] == zipped.headers["etag"]
    refused = await client.get(path, headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers


async def test_caps_keep_the_soonest_upcoming_and_the_latest_ended(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await member_with_org()
    by_day = {}
    for day in (5, 6, 7, 8):  # 18:00-20:00 Berlin = 17:00-19:00 UTC
        by_day[day] = (
            await published(
                client,
                member,
                title=f"Vigil {day}",
                starts_at=f"2026-12-0{day}T18:00:00",
                ends_at=f"2026-12-0{day}T20:00:00",
            )
        )["id"]
    monkeypatch.setattr(feeds, "UPCOMING", 1)
    monkeypatch.setattr(feeds, "ENDED", 1)
    # 7 December, 17:30 UTC: the 7th is running, the 8th later, the 5th and 6th over.
    running = datetime(2026, 12, 7, 17, 30, tzinfo=UTC).timestamp()
    evening = datetime(2026, 12, 7, 23, 0, tzinfo=UTC).timestamp()
    for path in ("/feeds/events.ics", "/feeds/events.ics?near=52.52,13.40&radius_km=10"):
        monkeypatch.setattr(routes, "clock", lambda: running)
        assert set(events_by_uid((await feed(client, path)).content)) == {by_day[7], by_day[6]}
        monkeypatch.setattr(routes, "clock", lambda: evening)
        assert set(events_by_uid((await feed(client, path)).content)) == {by_day[8], by_day[7]}


async def test_cached_answers_are_given_before_routing(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    member = await member_with_org()
    await published(client, member)
    path = "/feeds/events.ics?near=52.52,13.40&radius_km=25"
    first = await feed(client, path)
    routed = count_routed(monkeypatch)
    tag = first.headers["etag"]
    assert (await feed(client, path, **{"If-None-Match": tag})).status_code == 304
    since = first.headers["last-modified"]
    assert (await feed(client, path, **{"If-Modified-Since": since})).status_code == 304
    full = await feed(client, path, **{"If-None-Match": '"other"'})
    assert full.status_code == 200 and full.content == first.content  # built already
    assert full.headers["x-content-type-options"] == "nosniff"
    assert routed == []
    # Another spelling of the URL, a new state (a change), a feed not built yet: routed.
    assert (await feed(client, path + "&x=1", **{"If-None-Match": tag})).status_code == 304
    assert len(routed) == 1
    http.bodies.clear()
    assert (await feed(client, path)).content == first.content
    assert len(routed) == 2
    other = await member_with_org()
    await published(client, other, title="Elsewhere", city="Oslo", country="NO",
                    venue_name="", address="")  # fmt: skip
    assert (await feed(client, path, **{"If-None-Match": tag})).status_code == 304
    assert len(routed) == 3  # the version moved: the route checked the feed again


async def test_head_answers_like_get_without_a_body(client: httpx.AsyncClient) -> None:
    """Calendar apps check a URL with HEAD before subscribing: same headers, no body."""
    member = await member_with_org()
    event = await published(client, member)
    for path in (
        "/feeds/events.ics",
        f"/feeds/orgs/{member.org_id}.ics",
        f"/events/{event['id']}.ics",
    ):
        got = await client.get(path)
        head = await client.head(path)
        assert head.status_code == 200, path
        assert head.content == b""
        for name in ("content-type", "etag", "cache-control", "content-length"):
            assert head.headers[name] == got.headers[name], (path, name)
        fresh = await client.head(path, headers={"If-None-Match": got.headers["etag"]})
        assert fresh.status_code == 304
