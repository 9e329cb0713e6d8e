"""The pure iCalendar builder: plain values in, RFC 5545/7986 bytes out.

Rules every calendar app relies on (after pretix's and the RFCs' lessons):
- UID never changes for an event (``<event id>@<host>``), SEQUENCE is the event's
  ``sequence``, DTSTAMP and LAST-MODIFIED are the event's last change — never "now" — so
  an unchanged feed is byte-identical and its ETag stable.
- Times carry TZID with the VTIMEZONE blocks they need, computed over the feed's real
  date range; never floating times.
- DESCRIPTION is plain text (icalendar escapes commas, semicolons and newlines) and ends
  with the event URL.
- Cancelled events stay in feeds with STATUS:CANCELLED so subscribers remove them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vDuration, vText

PRODID = "-//Muster//Muster Calendar 1.0//EN"
DEFAULT_REFRESH = timedelta(hours=1)
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class IcsEvent:
    """One event as a calendar should see it; the caller has already applied privacy rules."""

    id: str
    title: str
    starts_at: datetime  # aware
    ends_at: datetime  # aware
    timezone: str
    updated_at: datetime  # aware: DTSTAMP and LAST-MODIFIED
    sequence: int
    url: str
    status: str = "published"  # published | cancelled | draft
    description: str = ""
    location: str = ""  # already reduced to the city when the address is hidden
    lat: float | None = None
    lon: float | None = None
    organizer_name: str = ""
    organizer_email: str = ""
    attendee_email: str = ""  # iTIP messages to one volunteer
    alarm_before: timedelta | None = None


@dataclass(frozen=True, slots=True)
class IcsCalendar:
    name: str
    host: str  # the UID domain, e.g. "muster.example.org"
    uid: str  # stable per feed (e.g. "feed-events-near-52.52,13.40-50"), never random
    description: str = ""
    refresh: timedelta = DEFAULT_REFRESH
    method: str | None = None  # "REQUEST" / "CANCEL" for iTIP mail, None for files/feeds
    url: str = ""
    events: Sequence[IcsEvent] = field(default_factory=tuple)


_STATUS = {"published": "CONFIRMED", "cancelled": "CANCELLED", "draft": "TENTATIVE"}


def uid_for(event_id: str, host: str) -> str:
    return f"{event_id}@{host}"


def _description(event: IcsEvent) -> str:
    text = event.description.strip()
    return f"{text}\n\n{event.url}" if text else event.url


def _vevent(event: IcsEvent, host: str) -> Event:
    zone = ZoneInfo(event.timezone)
    changed = event.updated_at.astimezone(UTC).replace(microsecond=0)
    component = Event.new(
        uid=uid_for(event.id, host),
        stamp=changed,
        last_modified=changed,
        sequence=event.sequence,
        start=event.starts_at.astimezone(zone).replace(microsecond=0),
        end=event.ends_at.astimezone(zone).replace(microsecond=0),
        summary=event.title,
        description=_description(event),
        location=event.location or None,
        url=event.url,
        status=_STATUS.get(event.status, "CONFIRMED"),  # type: ignore[arg-type]
    )
    if event.lat is not None and event.lon is not None:
        component.add("GEO", (round(event.lat, 6), round(event.lon, 6)))
    if event.organizer_email:
        organizer = vCalAddress(f"mailto:{event.organizer_email}")
        if event.organizer_name:
            organizer.params["CN"] = vText(event.organizer_name)
        component.add("ORGANIZER", organizer)
    if event.attendee_email:
        attendee = vCalAddress(f"mailto:{event.attendee_email}")
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        attendee.params["PARTSTAT"] = vText("ACCEPTED")
        component.add("ATTENDEE", attendee)
    if event.alarm_before is not None and event.status != "cancelled":
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", event.title)
        alarm.add("TRIGGER", -event.alarm_before)
        component.add_component(alarm)
    return component


@lru_cache(maxsize=20_000)
def _vevent_bytes(event: IcsEvent, host: str) -> bytes:
    """One VEVENT's lines; cached because an event's bytes change only when the event does.

    A feed rebuild after one change then re-serialises one event, not a thousand.
    """
    return _vevent(event, host).to_ical()


@lru_cache(maxsize=2_000)
def _vtimezone_bytes(tzid: str, first: date, last: date) -> bytes:
    return Timezone.from_tzid(tzid, first_date=first, last_date=last).to_ical()


def _date_range(events: Iterable[IcsEvent]) -> tuple[date, date] | None:
    starts = [e.starts_at for e in events]
    ends = [e.ends_at for e in events]
    if not starts:
        return None
    # Whole years around the events: the VTIMEZONE blocks then cover every DST change
    # they might need and stay the same (and cached) while events come and go.
    return date(min(starts).year - 1, 12, 1), date(max(ends).year + 1, 1, 31)


def build_calendar(spec: IcsCalendar) -> bytes:
    """The calendar as bytes; the same input always gives the same bytes."""
    last_change = max((e.updated_at for e in spec.events), default=EPOCH)
    cal = Calendar.new(
        prodid=PRODID,
        name=spec.name,
        description=spec.description or None,
        method=spec.method,
        last_modified=last_change.astimezone(UTC).replace(microsecond=0),
        url=spec.url or None,
        uid=f"{spec.uid}@{spec.host}",
    )
    # RFC 7986 wants VALUE=DURATION on REFRESH-INTERVAL; X-PUBLISHED-TTL as PT1H, not 1:00:00.
    cal.add("REFRESH-INTERVAL", vDuration(spec.refresh), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(spec.refresh))
    head = cal.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    parts = [head[: -len(end)]]
    window = _date_range(spec.events)
    if window:
        for tzid in sorted({e.timezone for e in spec.events}):
            parts.append(_vtimezone_bytes(tzid, *window))
    parts.extend(_vevent_bytes(event, spec.host) for event in spec.events)
    parts.append(end)
    return b"".join(parts)
