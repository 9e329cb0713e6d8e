"""Checking an event as typed: times in the event's zone, texts, place, RSVP and reminder
options; ``clean_event`` gives the column values and every field's error at once."""

from __future__ import annotations

import math
import uuid
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from server.errors import ValidationFailed
from server.events import languages
from server.events.schemas import EventInput
from server.events.tables import Campaign
from server.geo import gazetteer
from server.geo.distance import round_public
from server.i18n import N_, Text
from server.text import strip_bidi_controls
from server.tokens import utcnow

KINDS = ("rally", "vigil", "march", "meeting", "phone_bank", "online", "training", "other")
MAX_AHEAD = timedelta(days=3 * 366)
MAX_DURATION = timedelta(days=60)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LIMITS = {"venue_name": 200, "address": 300, "city": 120, "online_url": 500}
# RSVP and mail options of an event (the form's yes/no selects and numbers).
OPTION_FIELDS = (
    "waitlist_enabled",
    "requires_approval",
    "max_guests",
    "discreet",
    "reminder_minutes",
)
# A calendar must see these change (iCalendar SEQUENCE); capacity, kind, campaign and
# visibility are Muster's own business and do not bump it.
CALENDAR_FIELDS = (
    "title",
    "description",
    "description_format",
    "starts_at",
    "ends_at",
    "timezone",
    "venue_name",
    "address",
    "city",
    "country",
    "lat",
    "lon",
    "address_visibility",
    "online_url",
    "status",
)
# What an edit replaces (PUT semantics); everything else is set by the rules here.
EDITABLE = (
    *CALENDAR_FIELDS[:-1],
    "kind",
    "visibility",
    "capacity",
    "campaign",
    "search_lat",
    "search_lon",
    *OPTION_FIELDS,
    "language",
    "spoken_languages",
)
MAX_GUESTS = 20
MAX_REMINDERS = 5
# Reminders from ten minutes to two weeks before the start.
REMINDER_RANGE = (10, 14 * 24 * 60)


@cache
def timezone_names() -> frozenset[str]:
    """Valid IANA names; the odd aliases ("localtime", "Factory") are not offered."""
    return frozenset(available_timezones() - {"localtime", "Factory"})


@cache
def timezone_choices() -> tuple[str, ...]:
    """Region/City names for pickers (no legacy aliases like "CET" or "Etc/GMT+3")."""
    return tuple(sorted(t for t in timezone_names() if "/" in t and not t.startswith("Etc/")))


def bad_text(value: str, *, multiline: bool = False) -> bool:
    """Control characters break pages and PostgreSQL refuses NUL in text."""
    allowed = "\n\r\t" if multiline else ""
    return any((ord(c) < 32 and c not in allowed) or ord(c) == 127 for c in value)


def to_utc(value: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time read in ``zone`` (an instant with an offset stays that instant).

    In a DST gap (02:30 on the spring-forward night) the offset before the change
    applies, so the time moves forward by the gap (03:30), as calendar apps do; in a
    fold (02:30 on the fall-back night) the first occurrence is meant.
    """
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone, fold=0)
    return value.astimezone(UTC)


def _check_times(
    data: EventInput, tz_name: str | None, errors: dict[str, str]
) -> tuple[datetime | None, datetime | None]:
    if tz_name is None:
        # Without a zone a naive time is no instant, but the order can still be checked.
        naive = data.starts_at.tzinfo is None and data.ends_at.tzinfo is None
        if naive and data.ends_at <= data.starts_at:
            errors["ends_at"] = N_("The end must be after the start.")
        return None, None
    zone = ZoneInfo(tz_name)
    try:
        starts, ends = to_utc(data.starts_at, zone), to_utc(data.ends_at, zone)
    except OverflowError:  # year 1 or 9999 shifted out of range by the offset
        errors["starts_at"] = N_("Check the year of the start.")
        return None, None
    if starts < EARLIEST:
        errors["starts_at"] = N_("Check the year of the start.")
    elif starts > utcnow() + MAX_AHEAD:
        errors["starts_at"] = N_("An event can start at most three years from now.")
    if ends <= starts:
        errors["ends_at"] = N_("The end must be after the start.")
    elif ends - starts > MAX_DURATION:
        errors["ends_at"] = N_("An event can last at most 60 days.")
    return starts, ends


async def clean_event(
    data: EventInput, organization_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, str]]:
    """Checked and normalised column values, and every field error found (read-only)."""
    errors: dict[str, str] = {}
    title = strip_bidi_controls(data.title).strip()  # an override would reverse it on lists
    if not title:
        errors["title"] = N_("Give the event a title.")
    elif len(title) > 200:
        errors["title"] = N_("Use at most 200 characters.")
    elif bad_text(title):
        errors["title"] = N_("Use one line of text.")
    description = data.description.strip()
    if len(description) > 20_000:
        errors["description"] = N_("Use at most 20,000 characters.")
    elif bad_text(description, multiline=True):
        errors["description"] = N_("Remove control characters.")
    if data.description_format not in ("plain", "markdown"):
        errors["description_format"] = N_("Choose plain text or Markdown.")
    if data.kind not in KINDS:
        errors["kind"] = Text("Choose one of: %(names)s.", names=", ".join(KINDS))
    if data.address_visibility not in ("public", "attendees"):
        errors["address_visibility"] = N_("Choose public or attendees.")
    if data.visibility not in ("public", "unlisted", "private"):
        errors["visibility"] = N_("Choose public, unlisted or private.")

    text = {name: str(getattr(data, name)).strip() for name in LIMITS}
    for name, limit in LIMITS.items():
        if len(text[name]) > limit:
            errors[name] = Text("Use at most %(limit)s characters.", limit=limit)
        elif bad_text(text[name]):
            errors[name] = N_("Use one line of text.")
    country = data.country.strip().upper()
    if country and country not in gazetteer.countries():
        errors["country"] = N_("Use a two-letter ISO country code, like DE or GB.")
        country = ""
    city = gazetteer.find_city(text["city"], country or None) if text["city"] else None
    if city and not country and "country" not in errors:
        country = city.country

    tz_name = data.timezone.strip() if data.timezone else None
    if tz_name:
        if tz_name not in timezone_names():
            errors["timezone"] = N_("Choose a timezone from the list, like Europe/Berlin.")
            tz_name = None
    elif city:
        tz_name = city.timezone
    else:
        errors["timezone"] = N_("Choose a timezone: it could not be told from the city.")
    starts, ends = _check_times(data, tz_name, errors)

    lat, lon = data.lat, data.lon
    if (lat is None) != (lon is None):
        errors["lat" if lat is None else "lon"] = N_(
            "Give both latitude and longitude, or neither."
        )
    if lat is not None and not (math.isfinite(lat) and -90 <= lat <= 90):
        errors["lat"] = N_("Latitude is between -90 and 90.")
    if lon is not None and not (math.isfinite(lon) and -180 <= lon <= 180):
        errors["lon"] = N_("Longitude is between -180 and 180.")
    if lat is None and lon is None and city:
        lat, lon = city.lat, city.lon

    capacity = data.capacity
    if capacity is not None and not 0 <= capacity <= 1_000_000:
        errors["capacity"] = N_("Use a number from 0 to 1,000,000, or leave it empty.")
    online_url = text["online_url"]
    if online_url and "online_url" not in errors:
        parts = urlsplit(online_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in online_url:
            errors["online_url"] = N_("Use an http:// or https:// link.")
    if not 0 <= data.max_guests <= MAX_GUESTS:
        errors["max_guests"] = Text("Use a number from 0 to %(n)s.", n=MAX_GUESTS)
    reminders = _check_reminders(data.reminder_minutes, errors)
    if data.address_visibility == "attendees" and not text["city"]:
        errors["city"] = N_("Name the city: it is all the public sees of a hidden address.")
    if data.campaign_id is not None:
        owner = (
            await Campaign.select(Campaign.organization)
            .where(Campaign.id == data.campaign_id)
            .first()
        )
        if owner is None or owner["organization"] != organization_id:
            errors["campaign_id"] = N_("Choose one of this organization's campaigns.")
    written, error = languages.clean_written(data.language)
    if error:
        errors["language"] = error
    spoken, error = languages.clean_spoken(data.spoken_languages)
    if error:
        errors["spoken_languages"] = error
    if errors:
        return {}, errors

    hidden = data.address_visibility == "attendees"
    values: dict[str, Any] = {
        "title": title,
        "description": description,
        "description_format": data.description_format,
        "kind": data.kind,
        "starts_at": starts,
        "ends_at": ends,
        "timezone": tz_name,
        "venue_name": text["venue_name"],
        "address": text["address"],
        "city": text["city"],
        "country": country,
        "lat": lat,
        "lon": lon,
        # What nearby search and the public see: ~1 km off for a hidden address.
        "search_lat": round_public(lat) if hidden and lat is not None else lat,
        "search_lon": round_public(lon) if hidden and lon is not None else lon,
        "address_visibility": data.address_visibility,
        "visibility": data.visibility,
        "capacity": capacity,
        "online_url": online_url,
        "campaign": data.campaign_id,
        "waitlist_enabled": data.waitlist_enabled,
        "requires_approval": data.requires_approval,
        "max_guests": data.max_guests,
        "discreet": data.discreet,
        "reminder_minutes": reminders,
        "spoken_languages": spoken,
    }
    if written is not None:  # else a new event takes the request's, an edit keeps its own
        values["language"] = written
    return values, {}


def _check_reminders(minutes: list[int], errors: dict[str, str]) -> str:
    """The stored form ("1440,120": latest first, no repeats), or "" with an error noted."""
    low, high = REMINDER_RANGE
    if len(minutes) > MAX_REMINDERS:
        errors["reminder_minutes"] = Text("Choose at most %(n)s reminders.", n=MAX_REMINDERS)
    elif any(not low <= m <= high for m in minutes):
        errors["reminder_minutes"] = Text(
            "Each reminder is %(low)s minutes to %(days)s days (in minutes) before the start.",
            low=low,
            days=high // 1440,
        )
    else:
        return ",".join(str(m) for m in sorted(set(minutes), reverse=True))
    return ""


async def validated(data: EventInput, organization_id: uuid.UUID) -> dict[str, Any]:
    values, errors = await clean_event(data, organization_id)
    if errors:
        raise ValidationFailed(errors)
    return values
