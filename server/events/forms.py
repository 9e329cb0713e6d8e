"""HTML form ⇄ ``EventInput``: what the organizer typed, parsed, and shown back on errors.

Forms send text only; this turns it into the same ``EventInput`` the API takes, so the
service's rules are the only rules. Fields that cannot even be parsed get their error
here, and the service still checks every other field, so the organizer sees all
problems at once. ``datetime-local`` inputs carry wall-clock times without an offset:
they are read in the chosen timezone (or the city's).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server import i18n
from server.events import languages, validation
from server.events.schemas import EventInput
from server.geo import gazetteer
from server.i18n import N_
from server.tokens import utcnow

# What the organizer edits is what an edit replaces (validation.EDITABLE), less the
# search point the rules derive; the campaign is picked by its id.
FIELDS = tuple(
    "campaign_id" if name == "campaign" else name
    for name in validation.EDITABLE
    if not name.startswith("search_")
)
# RSVP and mail options: a form (or an older client) that does not send them keeps these.
# Yes/no options are <select>s: an unticked checkbox would be indistinguishable from "absent".
OPTION_DEFAULTS = {
    "waitlist_enabled": "yes",
    "requires_approval": "no",
    "max_guests": "0",
    "discreet": "no",
    "reminder_minutes": "1440,120",
}
# Stands in for a time that could not be parsed, so the other fields can still be checked.
_PLACEHOLDER = datetime(2000, 1, 1, 12, 0)


# The reminders the form offers as choices (minutes before the start: a week, a day, two
# hours, half an hour); an event's other values (set through the API) are kept and shown.
REMINDER_CHOICES = (10080, 1440, 120, 30)


def form_values(form: Mapping[str, Any]) -> dict[str, str]:
    """The submitted text of every field (what the form shows again on errors)."""
    values = {name: str(form.get(name) or "") for name in FIELDS}
    for name, default in OPTION_DEFAULTS.items():
        if name not in form:
            values[name] = default
    if form.get("reminders_shown") and hasattr(form, "getall"):
        # Checkboxes: none ticked means no reminders (the marker says the form had them).
        values["reminder_minutes"] = ",".join(str(v) for v in form.getall("reminder_minutes", []))
    values["past_ok"] = str(form.get("past_ok") or "")
    return values


def reminder_choices(current: str) -> list[int]:
    """The reminders to offer: the usual ones, and any other the event has, longest first."""
    chosen = {int(p) for p in current.split(",") if p.strip().isdigit()}
    return sorted(set(REMINDER_CHOICES) | chosen, reverse=True)


def check_past_start(
    values: dict[str, str], starts_at: datetime, errors: dict[str, str], previous: datetime | None
) -> None:
    """A start in the past is a mistake unless the organizer says they record a past event
    (ticks ``past_ok``, which the form then offers: ``values["past_ok"] = "ask"``); an
    edit that keeps the stored start needs no confirmation."""
    if "starts_at" in errors or values.get("past_ok") == "yes":
        return
    zone_name = values.get("timezone") or gazetteer.timezone_for(
        values.get("city", ""), values.get("country") or None
    )
    try:
        starts = validation.to_utc(starts_at, ZoneInfo(zone_name or "UTC"))
    except (ValueError, KeyError, OverflowError):
        return  # the validation reports the zone's or the year's own error
    if starts >= utcnow() or (previous is not None and starts == previous):
        return
    errors["starts_at"] = N_(
        "This start is in the past. To record an event that already took place, tick "
        "“It already took place” below."
    )
    values["past_ok"] = "ask"


def _yes_no(text: str, field: str, default: bool, errors: dict[str, str]) -> bool:
    value = text.strip().lower()
    if not value:
        return default
    if value in ("yes", "1", "true", "on"):
        return True
    if value in ("no", "0", "false", "off"):
        return False
    errors[field] = N_("Choose yes or no.")
    return default


def _minutes(text: str, errors: dict[str, str]) -> list[int]:
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        return [int(p) for p in parts]
    except ValueError:
        errors["reminder_minutes"] = N_("Enter minutes as whole numbers separated by commas.")
        return []


def _datetime(text: str, field: str, errors: dict[str, str]) -> datetime:
    start = field == "starts_at"
    if not text.strip():
        errors[field] = (
            N_("Enter the start date and time.") if start else N_("Enter the end date and time.")
        )
        return _PLACEHOLDER
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        errors[field] = (
            N_("Enter the start as a date and time, like 2026-12-05 18:00.")
            if start
            else N_("Enter the end as a date and time, like 2026-12-05 18:00.")
        )
        return _PLACEHOLDER


def _number(text: str, field: str, errors: dict[str, str]) -> float | None:
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        errors[field] = N_("Enter a number, like 52.5163.")
        return None
    if not math.isfinite(value):
        errors[field] = N_("Enter a number, like 52.5163.")
        return None
    return value


def parse_event_form(values: Mapping[str, str]) -> tuple[EventInput, dict[str, str]]:
    """An ``EventInput`` (placeholders where parsing failed) and the parse errors."""
    errors: dict[str, str] = {}
    starts_at = _datetime(values.get("starts_at", ""), "starts_at", errors)
    ends_at = _datetime(values.get("ends_at", ""), "ends_at", errors)
    # A placeholder one hour away keeps the cross-field checks ("end after start") quiet.
    try:
        if "starts_at" in errors and "ends_at" not in errors:
            starts_at = ends_at - timedelta(hours=1)
        elif "ends_at" in errors:
            ends_at = starts_at + timedelta(hours=1)
    except OverflowError:  # year 1 or 9999: the service rejects the year anyway
        pass
    capacity: int | None = None
    if values.get("capacity", "").strip():
        try:
            capacity = int(values["capacity"].strip())
        except ValueError:
            errors["capacity"] = N_("Enter a whole number, or leave it empty.")
    campaign_id: uuid.UUID | None = None
    if values.get("campaign_id", "").strip():
        try:
            campaign_id = uuid.UUID(values["campaign_id"].strip())
        except ValueError:
            errors["campaign_id"] = N_("Choose one of this organization's campaigns.")
    max_guests = 0
    if values.get("max_guests", "").strip():
        try:
            max_guests = int(values["max_guests"].strip())
        except ValueError:
            errors["max_guests"] = N_("Enter a whole number from 0 to 20.")
    data = EventInput(
        title=values.get("title", ""),
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=values.get("timezone", "").strip() or None,
        description=values.get("description", ""),
        description_format=values.get("description_format") or "plain",  # type: ignore[arg-type]
        kind=values.get("kind") or "rally",
        venue_name=values.get("venue_name", ""),
        address=values.get("address", ""),
        city=values.get("city", ""),
        country=values.get("country", ""),
        lat=_number(values.get("lat", ""), "lat", errors),
        lon=_number(values.get("lon", ""), "lon", errors),
        address_visibility=values.get("address_visibility") or "public",  # type: ignore[arg-type]
        visibility=values.get("visibility") or "public",  # type: ignore[arg-type]
        capacity=capacity,
        online_url=values.get("online_url", ""),
        campaign_id=campaign_id,
        waitlist_enabled=_yes_no(
            values.get("waitlist_enabled", ""), "waitlist_enabled", True, errors
        ),
        requires_approval=_yes_no(
            values.get("requires_approval", ""), "requires_approval", False, errors
        ),
        max_guests=max_guests,
        # "auto" (a new event's default): neutral subjects exactly when the address is hidden.
        discreet=values.get("address_visibility") == "attendees"
        if values.get("discreet") == "auto"
        else _yes_no(values.get("discreet", ""), "discreet", False, errors),
        reminder_minutes=_minutes(values.get("reminder_minutes", ""), errors),
        language=values.get("language", "").strip() or None,
        spoken_languages=languages.split_codes(values.get("spoken_languages", "")),
    )
    return data, errors


def _local_input(value: datetime, tz: str) -> str:
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M")


def _coordinate(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".")


def values_from_row(row: Mapping[str, Any]) -> dict[str, str]:
    """What the edit form shows for a stored event: times in the event's own zone."""
    return {
        "title": row["title"],
        "description": row["description"],
        "description_format": row["description_format"],
        "kind": row["kind"],
        "starts_at": _local_input(row["starts_at"], row["timezone"]),
        "ends_at": _local_input(row["ends_at"], row["timezone"]),
        "timezone": row["timezone"],
        "venue_name": row["venue_name"],
        "address": row["address"],
        "city": row["city"],
        "country": row["country"],
        "lat": _coordinate(row["lat"]),
        "lon": _coordinate(row["lon"]),
        "address_visibility": row["address_visibility"],
        "visibility": row["visibility"],
        "capacity": "" if row["capacity"] is None else str(row["capacity"]),
        "online_url": row["online_url"],
        "campaign_id": str(row["campaign"]) if row["campaign"] else "",
        "waitlist_enabled": "yes" if row["waitlist_enabled"] else "no",
        "requires_approval": "yes" if row["requires_approval"] else "no",
        "max_guests": str(row["max_guests"]),
        "discreet": "yes" if row["discreet"] else "no",
        "reminder_minutes": row["reminder_minutes"],
        "language": row.get("language") or i18n.SOURCE,
        "spoken_languages": ", ".join(languages.stored_codes(row.get("spoken_languages"))),
    }


def moved_without_new_point(values: Mapping[str, str], row: Mapping[str, Any]) -> bool:
    """True when the city changed but the coordinates are still the old ones.

    The edit form shows the stored coordinates; if the organizer only types a new
    city, the old point would silently stay. Then the coordinates are dropped so the
    new city's are used.
    """
    old = values_from_row(row)
    moved = (values.get("city", "").strip(), values.get("country", "").strip().upper()) != (
        old["city"],
        old["country"],
    )
    same_point = (values.get("lat", "").strip(), values.get("lon", "").strip()) == (
        old["lat"],
        old["lon"],
    )
    return moved and same_point
