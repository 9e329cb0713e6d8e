"""The public search service: what is listed, in which order, and nearby geometry.

Events are inserted as rows (tests may; the events service would refuse past dates),
the way the events service stores them: ``search_lat``/``search_lon`` rounded for a
hidden address, ``changes.bump()`` after each write.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar

from server.db import write_transaction
from server.errors import ValidationFailed
from server.events import changes, search
from server.events.query import make_query
from server.events.schemas import EventPage
from server.events.tables import Campaign, Event
from server.events.validation import MAX_DURATION
from server.geo.distance import EARTH_RADIUS_KM, haversine_km, round_public
from server.tokens import utcnow
from server.web import caching
from tests.events.helpers import member_with_org


@pytest.fixture(autouse=True)
def fresh_memos() -> Iterator[None]:
    search.forget()
    caching.forget_all()
    yield


def destination(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` from (lat, lon) along ``bearing_deg`` on the sphere."""
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    d = km / EARTH_RADIUS_KM
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    lon2 = (math.degrees(l2) + 540) % 360 - 180
    return math.degrees(p2), lon2


async def approved_org() -> uuid.UUID:
    return (await member_with_org()).org_id


async def add_event(
    org: uuid.UUID,
    lat: float | None = 52.52,
    lon: float | None = 13.40,
    *,
    title: str = "Vigil",
    starts_in: timedelta = timedelta(days=2),
    duration: timedelta = timedelta(hours=2),
    status: str = "published",
    visibility: str = "public",
    hidden: bool = False,
    timezone: str = "Europe/Berlin",
    starts_at: datetime | None = None,
    campaign: uuid.UUID | None = None,
    address: str = "Pariser Platz 1",
    venue: str = "Pariser Platz",
    published: bool | None = None,
) -> uuid.UUID:
    start = starts_at or (utcnow() + starts_in).replace(microsecond=0)
    row = Event(
        organization=org,
        campaign=campaign,
        title=title,
        starts_at=start,
        ends_at=start + duration,
        timezone=timezone,
        venue_name=venue,
        address=address,
        city="Berlin",
        country="DE",
        lat=lat,
        lon=lon,
        search_lat=round_public(lat) if hidden and lat is not None else lat,
        search_lon=round_public(lon) if hidden and lon is not None else lon,
        address_visibility="attendees" if hidden else "public",
        visibility=visibility,
        status=status,
        published_at=utcnow() if (status != "draft" if published is None else published) else None,
    )
    async with write_transaction():  # as the app does: the version moves with the change
        await row.save()
        await changes.bump()
    return row.id


async def bump() -> None:
    """Move the public version as every events-service write does (in its transaction)."""
    async with write_transaction():
        await changes.bump()


async def find(**kwargs: Any) -> EventPage:
    """Listed events for a query given by the API's names, as the API would search."""
    search.forget()
    return await search.search(make_query(**kwargs), await search.public_state(), "")


def ids(page: EventPage) -> list[uuid.UUID]:
    return [e.id for e in page.items]


async def test_nearby_edges_of_the_radius_and_nearest_first(app: Litestar) -> None:
    org = await approved_org()
    center = (48.137, 11.575)
    inside = destination(*center, 90, 24.95)
    outside = destination(*center, 90, 25.05)
    assert haversine_km(*center, *inside) < 25 < haversine_km(*center, *outside)
    far_in = await add_event(org, *inside, title="just inside")
    await add_event(org, *outside, title="just outside")
    near = await add_event(org, *destination(*center, 200, 3), title="3 km")
    mid = await add_event(org, *destination(*center, 330, 12), title="12 km")
    # Also just outside, but north: the box is a square, the radius a circle.
    corner = destination(*center, 45, 25.2)
    await add_event(org, *corner, title="box corner")

    page = await find(near=center, radius_km=25)
    assert ids(page) == [near, mid, far_in]
    assert page.total == 3
    assert [e.distance_km for e in page.items] == pytest.approx([3, 12, 24.95], abs=0.06)
    wider = await find(near=center, radius_km=26)
    assert len(wider.items) == 5


async def test_nearby_across_the_antimeridian(app: Litestar) -> None:
    org = await approved_org()
    fiji = await add_event(org, -17.0, 179.9, title="Fiji east", timezone="Pacific/Fiji")
    await add_event(org, -17.0, 170.0, title="far west", timezone="Pacific/Fiji")
    page = await find(near=(-17.0, -179.9), radius_km=50)
    assert ids(page) == [fiji]
    expected = haversine_km(-17.0, -179.9, -17.0, 179.9)
    assert page.items[0].distance_km == round(expected, 1) and expected < 25
    # And from the other side of the line.
    back = await add_event(org, -17.0, -179.95, title="Fiji west", timezone="Pacific/Fiji")
    assert ids(await find(near=(-17.0, 179.95), radius_km=50)) == [fiji, back]


async def test_nearby_near_a_pole(app: Litestar) -> None:
    org = await approved_org()
    # 0.05° from the pole on the far side: ~11 km away across it.
    across = await add_event(org, 89.95, 170.0, title="across the pole", timezone="UTC")
    await add_event(org, 88.0, 0.0, title="222 km south", timezone="UTC")
    page = await find(near=(89.9, -10.0), radius_km=100)
    assert ids(page) == [across]
    assert page.items[0].distance_km == round(haversine_km(89.9, -10.0, 89.95, 170.0), 1)


async def test_hidden_address_is_matched_on_its_rounded_point(app: Litestar) -> None:
    org = await approved_org()
    exact = (52.524876, 13.404876)  # rounds to (52.52, 13.40), ~650 m away
    rounded = (round_public(exact[0]), round_public(exact[1]))
    event = await add_event(org, *exact, hidden=True, address="Canary Street 4711")
    # 0.9 km beyond the exact point, seen from the rounded one: inside 1 km of the
    # exact point, but ~1.55 km from the rounded point that search uses.
    bearing = math.degrees(
        math.atan2(exact[1] - rounded[1], (exact[0] - rounded[0]) / math.cos(math.radians(52.5)))
    )
    beyond = destination(*exact, bearing, 0.9)
    assert haversine_km(*beyond, *exact) < 1 < haversine_km(*beyond, *rounded)
    assert ids(await find(near=beyond, radius_km=1)) == []

    page = await find(near=rounded, radius_km=1)
    assert ids(page) == [event]
    item = page.items[0]
    assert item.distance_km == 0.0
    assert (item.lat, item.lon) == rounded
    assert item.address is None and item.venue_name is None and item.address_hidden


async def test_only_listed_events_appear(app: Litestar) -> None:
    org = await approved_org()
    pending = (await member_with_org(approved=False)).org_id
    listed = await add_event(org, title="listed")
    cancelled_soon = await add_event(org, title="cancelled, not started", status="cancelled")
    hidden_ones = [
        await add_event(org, title="draft", status="draft"),
        await add_event(org, title="private", visibility="private"),
        await add_event(org, title="unlisted", visibility="unlisted"),
        await add_event(pending, title="unapproved organization"),
        await add_event(org, title="ended", starts_in=-timedelta(hours=3)),
        await add_event(
            org, title="cancelled after it started", status="cancelled",
            starts_in=-timedelta(hours=1),
        ),
        await add_event(
            org, title="cancelled draft, never public", status="cancelled", published=False
        ),
        await add_event(org, None, None, title="no place", visibility="private"),
    ]  # fmt: skip
    for page in (await find(), await find(near=(52.52, 13.40), radius_km=5)):
        assert set(ids(page)) == {listed, cancelled_soon}
        assert not set(ids(page)) & set(hidden_ones)
        statuses = {e.id: e.status for e in page.items}
        assert statuses[cancelled_soon] == "cancelled"


async def test_soonest_first_with_running_events_first_and_pages(app: Litestar) -> None:
    org = await approved_org()
    running = await add_event(org, title="running", starts_in=-timedelta(hours=1))
    long_running = await add_event(
        org,
        title="started long ago",
        starts_in=-(MAX_DURATION - timedelta(hours=1)),
        duration=MAX_DURATION,
    )
    later = [
        await add_event(org, title=f"in {d} days", starts_in=timedelta(days=d)) for d in (3, 1, 2)
    ]
    online = await add_event(org, None, None, title="online", starts_in=timedelta(days=4))
    expected = [long_running, running, later[1], later[2], later[0], online]

    seen = []
    for number in (1, 2, 3):
        page = await find(page=number, per_page=2)
        seen += ids(page)
        assert page.has_next == (number < 3)
    assert seen == expected
    assert (await find(page=4, per_page=2)).items == []
    # The same order straight, and a page boundary inside the running events.
    assert ids(await find(per_page=50)) == expected
    assert ids(await find(page=2, per_page=1)) == [running]


async def test_nearby_pages_count_every_match(app: Litestar) -> None:
    org = await approved_org()
    made = [await add_event(org, *destination(52.52, 13.40, 0, km)) for km in (1, 2, 3, 4, 5)]
    first = await find(near=(52.52, 13.40), radius_km=10, per_page=2)
    second = await find(near=(52.52, 13.40), radius_km=10, per_page=2, page=2)
    last = await find(near=(52.52, 13.40), radius_km=10, per_page=2, page=3)
    assert (first.total, first.has_next, second.has_next, last.has_next) == (5, True, True, False)
    assert ids(first) + ids(second) + ids(last) == made


async def test_dates_are_days_in_the_events_own_zone(app: Litestar) -> None:
    org = await approved_org()
    day = (utcnow() + timedelta(days=30)).date()
    # 19:00 in Los Angeles is 03:00 UTC the next day; 08:00 in Tokyo is 23:00 UTC the day before.
    la = datetime(day.year, day.month, day.day, 19, tzinfo=UTC) + timedelta(hours=8)
    tokyo = datetime(day.year, day.month, day.day, 8, tzinfo=UTC) - timedelta(hours=9)
    evening = await add_event(org, 34.05, -118.24, timezone="America/Los_Angeles", starts_at=la)
    morning = await add_event(org, 35.68, 139.69, timezone="Asia/Tokyo", starts_at=tokyo)
    assert set(ids(await find(date_from=day, date_to=day))) == {evening, morning}
    assert ids(await find(date_from=day + timedelta(days=1))) == []
    assert ids(await find(date_to=day - timedelta(days=1))) == []
    assert ids(await find(near=(34.05, -118.24), radius_km=10, date_from=day, date_to=day)) == [
        evening
    ]
    page = await find(date_from=day, date_to=day)
    assert page.total == 2


async def test_a_past_start_date_shows_ended_events(app: Litestar) -> None:
    org = await approved_org()
    ended = await add_event(org, title="last week", starts_in=-timedelta(days=7))
    upcoming = await add_event(org, title="next week", starts_in=timedelta(days=7))
    assert ids(await find()) == [upcoming]
    since = (utcnow() - timedelta(days=8)).date()
    assert ids(await find(date_from=since)) == [ended, upcoming]


async def test_campaign_and_organization_filters(app: Litestar) -> None:
    org, other = await approved_org(), await approved_org()
    campaign = Campaign(organization=org, title="#DontTurnAway")
    await campaign.save()
    in_campaign = await add_event(org, campaign=campaign.id)
    plain = await add_event(org)
    elsewhere = await add_event(other)
    assert ids(await find(campaign_id=campaign.id)) == [in_campaign]
    assert set(ids(await find(org_id=org))) == {in_campaign, plain}
    assert ids(await find(org_id=other, near=(52.52, 13.4))) == [elsewhere]
    state = await search.public_state()
    assert [c.id for c in await search.listed_campaigns(state)] == [campaign.id]


async def test_moving_and_deleting_an_event_updates_nearby_search(app: Litestar) -> None:
    org = await approved_org()
    event = await add_event(org, 52.52, 13.40)
    await Event.update({Event.search_lat: 48.14, Event.search_lon: 11.58}).where(Event.id == event)
    await bump()
    assert ids(await find(near=(52.52, 13.40), radius_km=5)) == []
    assert ids(await find(near=(48.14, 11.58), radius_km=5)) == [event]
    await Event.update({Event.visibility: "private"}).where(Event.id == event)
    await bump()
    assert ids(await find(near=(48.14, 11.58), radius_km=5)) == []
    await Event.update({Event.visibility: "public"}).where(Event.id == event)
    assert ids(await find(near=(48.14, 11.58), radius_km=5)) == [event]
    await Event.delete().where(Event.id == event)
    assert ids(await find(near=(48.14, 11.58), radius_km=5)) == []


async def test_events_made_through_the_events_service_are_found(app: Litestar) -> None:
    from server.events import service
    from server.events.schemas import EventInput

    member = await member_with_org()
    day = utcnow() + timedelta(days=10)
    row = await service.create_event(
        member.who,
        member.org_id,
        EventInput(
            title="Rally",
            starts_at=day.replace(tzinfo=None, microsecond=0),
            ends_at=(day + timedelta(hours=2)).replace(tzinfo=None, microsecond=0),
            city="Hamburg",
            country="DE",
            address="Secret Yard 9",
            address_visibility="attendees",
        ),
    )
    assert ids(await find(near=(53.55, 10.0), radius_km=20)) == []  # a draft
    await service.publish_event(member.who, row["id"])
    page = await find(near=(53.55, 10.0), radius_km=20)
    assert ids(page) == [row["id"]] and page.items[0].address is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"near": (52.5, 13.4), "radius_km": 0.5}, "radius_km"),
        ({"near": (52.5, 13.4), "radius_km": 500.5}, "radius_km"),
        ({"near": (52.5, 13.4), "radius_km": float("nan")}, "radius_km"),
        ({"near": (95.0, 13.4)}, "near"),
        ({"page": 0}, "page"),
        ({"per_page": 51}, "per_page"),
        ({"date_from": date(2026, 5, 2), "date_to": date(2026, 5, 1)}, "to"),
    ],
)
def test_query_bounds(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        make_query(**kwargs)
    assert set(caught.value.errors) == {field}


def test_equal_searches_make_equal_queries() -> None:
    a = make_query(near=(52.520001, 13.4), radius_km=25)
    b = make_query(near=(52.52, 13.400004), radius_km=25.0)
    assert a == b
    # Without a point the radius means nothing and must not split the cache.
    assert make_query(radius_km=50) == make_query()
