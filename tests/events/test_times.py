"""Local wall-clock times: read in the event's zone, stored as UTC, shown with the zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from server.events.tables import Event
from server.events.validation import to_utc
from tests.events.helpers import create_event, event_form, member_with_org, post_form, sign_in


async def _stored(event_id: str) -> tuple[datetime, datetime]:
    row = await Event.select(Event.starts_at, Event.ends_at).where(Event.id == event_id).first()
    assert row is not None
    return row["starts_at"], row["ends_at"]


@pytest.mark.parametrize(
    ("day", "utc_hour", "abbr", "offset"),
    [("2027-01-14", 17, "CET", "+01:00"), ("2027-07-14", 16, "CEST", "+02:00")],
)
async def test_18h_berlin_is_stored_as_utc_and_shown_in_berlin_time(
    client: httpx.AsyncClient, day: str, utc_hour: int, abbr: str, offset: str
) -> None:
    member = await member_with_org()
    # No timezone given: it comes from the city.
    body = await create_event(
        client,
        member,
        publish=True,
        starts_at=f"{day}T18:00:00",
        ends_at=f"{day}T20:00:00",
    )
    assert body["timezone"] == "Europe/Berlin"
    starts, ends = await _stored(body["id"])
    expected = datetime.fromisoformat(f"{day}T{utc_hour:02d}:00:00+00:00")
    assert starts.astimezone(UTC) == expected
    assert ends.astimezone(UTC) == expected.replace(hour=utc_hour + 2)

    # The API answers in the event's own zone, with its offset.
    api = await client.get(f"/api/v1/events/{body['id']}")
    assert api.json()["starts_at"] == f"{day}T18:00:00{offset}"
    assert api.json()["ends_at"] == f"{day}T20:00:00{offset}"

    page = await client.get(f"/events/{body['id']}")
    assert page.status_code == 200
    assert f"18:00 {abbr}" in page.text
    assert f"20:00 {abbr}" in page.text
    assert f"Times are in Europe/Berlin ({abbr})" in page.text


async def test_instant_with_offset_is_kept_as_that_instant(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    body = await create_event(
        client,
        member,
        starts_at="2027-01-14T12:00:00Z",
        ends_at="2027-01-14T14:00:00+00:00",
        timezone="America/New_York",
        city="New York",
        country="US",
    )
    starts, _ = await _stored(body["id"])
    assert starts.astimezone(UTC) == datetime(2027, 1, 14, 12, tzinfo=UTC)
    assert body["starts_at"] == "2027-01-14T07:00:00-05:00"


async def test_explicit_timezone_wins_over_the_city(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    body = await create_event(client, member, timezone="Europe/London")
    starts, _ = await _stored(body["id"])
    assert starts.astimezone(UTC) == datetime(2026, 12, 5, 18, tzinfo=UTC)


async def test_time_in_the_spring_forward_gap_moves_forward(client: httpx.AsyncClient) -> None:
    """02:30 on 28 March 2027 does not exist in Berlin (02:00 → 03:00): it becomes 03:30 CEST."""
    member = await member_with_org()
    body = await create_event(
        client, member, starts_at="2027-03-28T02:30:00", ends_at="2027-03-28T04:00:00"
    )
    starts, _ = await _stored(body["id"])
    assert starts.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert body["starts_at"] == "2027-03-28T03:30:00+02:00"


def test_time_in_the_fall_back_fold_means_the_first_occurrence() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # 02:30 on 31 October 2027 happens twice; the first time is still summer time.
    assert to_utc(datetime(2027, 10, 31, 2, 30), berlin) == datetime(
        2027, 10, 31, 0, 30, tzinfo=UTC
    )


async def test_form_times_are_read_in_the_chosen_zone(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    await sign_in(client, member.email)
    page = f"/organizer/orgs/{member.org_id}/events/new"
    form = event_form(starts_at="2027-07-14T18:00", ends_at="2027-07-14T19:30")
    response = await post_form(client, page, page, form)
    assert response.status_code == 303, response.text
    event_id = response.headers["location"].rsplit("/", 1)[-1]
    starts, ends = await _stored(event_id)
    assert starts.astimezone(UTC) == datetime(2027, 7, 14, 16, tzinfo=UTC)
    assert ends.astimezone(UTC) == datetime(2027, 7, 14, 17, 30, tzinfo=UTC)
    # The edit form shows the same wall-clock time back.
    edit = await client.get(f"/organizer/events/{event_id}/edit")
    assert 'value="2027-07-14T18:00"' in edit.text
    assert "<option selected>Europe/Berlin</option>" in edit.text
