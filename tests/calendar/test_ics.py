"""The pure iCalendar builder, checked by icalendar and two independent parsers."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import vobject

from server.calendar.ics import IcsCalendar, IcsEvent, build_calendar

TORONTO = ZoneInfo("America/Toronto")
OSLO = ZoneInfo("Europe/Oslo")
CHANGED = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
TRICKY = "Bring water.\nSigns: yes; flags, too — Чечня, ЛГБТ, 🏳️‍🌈"


def _event(event_id: str, start: datetime, **overrides: object) -> IcsEvent:
    values: dict[str, object] = {
        "id": event_id,
        "title": f"Vigil {event_id}",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "timezone": str(start.tzinfo),
        "updated_at": CHANGED,
        "sequence": 2,
        "url": f"https://muster.example/events/{event_id}",
        "description": TRICKY,
        "location": "Nathan Phillips Square, Toronto",
        "lat": 43.6525,
        "lon": -79.3832,
    }
    values.update(overrides)
    return IcsEvent(**values)  # type: ignore[arg-type]


def _calendar(*events: IcsEvent) -> bytes:
    return build_calendar(
        IcsCalendar(name="Rallies near you", host="muster.example", uid="feed-test", events=events)
    )


def test_times_land_at_the_right_instants_in_three_parsers() -> None:
    toronto = _event("a", datetime(2026, 12, 5, 10, 0, tzinfo=TORONTO))
    oslo = _event("b", datetime(2026, 12, 5, 10, 0, tzinfo=OSLO))
    body = _calendar(toronto, oslo)
    expected = {
        "a@muster.example": datetime(2026, 12, 5, 15, 0, tzinfo=UTC),
        "b@muster.example": datetime(2026, 12, 5, 9, 0, tzinfo=UTC),
    }

    parsed: Any = icalendar.Calendar.from_ical(body)
    assert {str(e["UID"]): e.start.astimezone(UTC) for e in parsed.events} == expected

    vcal = vobject.readOne(io.StringIO(body.decode()))
    got = {str(v.uid.value): v.dtstart.value.astimezone(UTC) for v in vcal.vevent_list}
    assert got == expected

    occurrences = recurring_ical_events.of(parsed).between(
        datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC)
    )
    assert {str(o["UID"]): o.start.astimezone(UTC) for o in occurrences} == expected


def test_times_carry_tzid_and_vtimezone_never_floating() -> None:
    body = _calendar(_event("a", datetime(2026, 7, 5, 10, 0, tzinfo=TORONTO))).decode()
    assert "DTSTART;TZID=America/Toronto:20260705T100000" in body
    assert "BEGIN:VTIMEZONE\r\nTZID:America/Toronto" in body
    assert body.index("BEGIN:VTIMEZONE") < body.index("BEGIN:VEVENT")


def test_description_round_trips_with_newlines_commas_semicolons_and_non_latin_text() -> None:
    body = _calendar(_event("a", datetime(2026, 12, 5, 10, 0, tzinfo=TORONTO)))
    event = icalendar.Calendar.from_ical(body).events[0]
    assert str(event["DESCRIPTION"]) == TRICKY + "\n\nhttps://muster.example/events/a"
    vcal = vobject.readOne(io.StringIO(body.decode()))
    assert vcal.vevent.description.value.startswith(TRICKY)
    assert "<" not in body.decode()  # plain text, no HTML


def test_same_input_gives_identical_bytes_and_stable_uid() -> None:
    event = _event("a", datetime(2026, 12, 5, 10, 0, tzinfo=TORONTO))
    first, second = _calendar(event), _calendar(event)
    assert first == second
    text = first.decode()
    assert "UID:a@muster.example" in text
    assert "DTSTAMP:20261101T093000Z" in text  # the event's last change, not now
    assert "LAST-MODIFIED:20261101T093000Z" in text
    assert "SEQUENCE:2" in text


def test_calendar_properties_follow_rfc_7986() -> None:
    text = _calendar(_event("a", datetime(2026, 12, 5, 10, 0, tzinfo=TORONTO))).decode()
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in text
    assert "X-PUBLISHED-TTL:PT1H" in text
    assert "NAME:Rallies near you" in text and "X-WR-CALNAME:Rallies near you" in text
    assert "UID:feed-test@muster.example" in text
    assert "GEO:43.6525;-79.3832" in text
    assert "URL:https://muster.example/events/a" in text


def test_cancelled_event_is_marked_cancelled_and_has_no_alarm() -> None:
    start = datetime(2026, 12, 5, 10, 0, tzinfo=TORONTO)
    cancelled = _event("a", start, status="cancelled", alarm_before=timedelta(hours=1))
    live = _event("b", start, alarm_before=timedelta(hours=1))
    parsed = icalendar.Calendar.from_ical(_calendar(cancelled, live))
    by_uid = {str(e["UID"]): e for e in parsed.events}
    assert str(by_uid["a@muster.example"]["STATUS"]) == "CANCELLED"
    assert not by_uid["a@muster.example"].walk("VALARM")
    alarm: Any = by_uid["b@muster.example"].walk("VALARM")[0]
    assert alarm["TRIGGER"].dt == -timedelta(hours=1)


def test_an_update_changes_only_that_event_and_bumps_sequence() -> None:
    start = datetime(2026, 12, 5, 10, 0, tzinfo=TORONTO)
    before = _calendar(_event("a", start), _event("b", start))
    moved = _event(
        "b", start + timedelta(hours=1), sequence=3, updated_at=CHANGED + timedelta(hours=1)
    )
    after = _calendar(_event("a", start), moved)
    assert before != after
    parsed: dict[str, Any] = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(after).events}
    assert int(parsed["b@muster.example"]["SEQUENCE"]) == 3
    assert int(parsed["a@muster.example"]["SEQUENCE"]) == 2


def test_empty_calendar_is_valid() -> None:
    body = _calendar()
    parsed = icalendar.Calendar.from_ical(body)
    assert parsed.events == []
    assert vobject.readOne(io.StringIO(body.decode())).name == "VCALENDAR"
