"""HTML forms ⇄ the signups Structs: what was typed, parsed, and shown back on errors.

Fields that cannot even be parsed (a guest count that is not a number) get their error
here; the service still checks everything else, so the volunteer sees every problem at
once and nothing is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from server.i18n import N_
from server.signups.schemas import ShiftInput, SignupInput

RSVP_FIELDS = ("display_name", "email", "phone", "guests", "shift_id")
SHIFT_FIELDS = ("role", "description", "starts_at", "ends_at", "capacity")
_PLACEHOLDER = datetime(2000, 1, 1, 12, 0)


def _whole(text: str, field: str, errors: dict[str, str], message: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        errors[field] = message
        return None


def _uuid(text: str, field: str, errors: dict[str, str], message: str) -> uuid.UUID | None:
    text = text.strip()
    if not text:
        return None
    try:
        return uuid.UUID(text)
    except ValueError:
        errors[field] = message
        return None


def parse_rsvp(values: Mapping[str, str]) -> tuple[SignupInput, dict[str, str]]:
    errors: dict[str, str] = {}
    guests = _whole(
        values.get("guests", ""), "guests", errors, N_("Enter a whole number of guests.")
    )
    shift_id = _uuid(
        values.get("shift_id", ""), "shift_id", errors, N_("Choose one of this event's shifts.")
    )
    data = SignupInput(
        display_name=values.get("display_name", ""),
        email=values.get("email", ""),
        phone=values.get("phone", ""),
        guests=guests or 0,
        shift_id=shift_id,
        # The form's default: a volunteer who asked for a full shift still comes.
        if_shift_full="waitlist" if values.get("if_shift_full") == "waitlist" else "no_shift",
    )
    return data, errors


def parse_change(values: Mapping[str, str]) -> tuple[int | None, uuid.UUID | None, dict[str, str]]:
    errors: dict[str, str] = {}
    guests = _whole(
        values.get("guests", ""), "guests", errors, N_("Enter a whole number of guests.")
    )
    shift_id = _uuid(
        values.get("shift_id", ""), "shift_id", errors, N_("Choose one of this event's shifts.")
    )
    return guests, shift_id, errors


def _datetime(text: str, field: str, errors: dict[str, str]) -> datetime:
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        errors[field] = N_("Enter a date and time, like 2026-12-05 17:00.")
        return _PLACEHOLDER


def parse_shift(values: Mapping[str, str], move: list[str]) -> tuple[ShiftInput, dict[str, str]]:
    errors: dict[str, str] = {}
    starts = _datetime(values.get("starts_at", ""), "starts_at", errors)
    ends = _datetime(values.get("ends_at", ""), "ends_at", errors)
    capacity = _whole(
        values.get("capacity", ""),
        "capacity",
        errors,
        N_("Enter a whole number, or leave it empty."),
    )
    # A placeholder an hour away keeps the cross-field checks quiet for the field that failed.
    if "starts_at" in errors and "ends_at" not in errors:
        starts = ends - timedelta(hours=1)
    elif "ends_at" in errors:
        ends = starts + timedelta(hours=1)
    moved = []
    for text in move:
        parsed = _uuid(text, "move_to_waitlist", errors, N_("Choose people from the list."))
        if parsed:
            moved.append(parsed)
    data = ShiftInput(
        role=values.get("role", ""),
        description=values.get("description", ""),
        starts_at=starts,
        ends_at=ends,
        capacity=capacity,
        move_to_waitlist=moved,
    )
    return data, errors


def shift_values(row: Mapping[str, Any], tz: str) -> dict[str, str]:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    return {
        "role": row["role"],
        "description": row["description"],
        "starts_at": row["starts_at"].astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": row["ends_at"].astimezone(zone).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "" if row["capacity"] is None else str(row["capacity"]),
    }
