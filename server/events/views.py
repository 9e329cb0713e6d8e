"""Rows to answers: the only place an event row becomes something a caller sees.

``public_event`` applies invariant 2 (city only, rounded coordinates, no online link
for address-hidden events); ``member_event`` is the full record for members of the
owning organization. Both give times in the event's own zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.events.schemas import CampaignRef, EventOut, OrganizationRef


def event_url(base_url: str, event_id: Any) -> str:
    return f"{base_url}/events/{event_id}"


def _local(value: datetime, tz: str) -> datetime:
    return value.astimezone(ZoneInfo(tz))


def _build(
    row: dict[str, Any], base_url: str, *, hidden: bool, distance_km: float | None
) -> EventOut:
    tz = row["timezone"]
    campaign = (
        CampaignRef(id=row["campaign"], title=row.get("campaign_title") or "")
        if row.get("campaign")
        else None
    )
    return EventOut(
        id=row["id"],
        url=event_url(base_url, row["id"]),
        title=row["title"],
        description=row["description"],
        description_format=row["description_format"],
        kind=row["kind"],
        status=row["status"],
        visibility=row["visibility"],
        starts_at=_local(row["starts_at"], tz),
        ends_at=_local(row["ends_at"], tz),
        timezone=tz,
        venue_name=None if hidden else row["venue_name"],
        address=None if hidden else row["address"],
        city=row["city"],
        country=row["country"],
        lat=row["search_lat"] if hidden else row["lat"],
        lon=row["search_lon"] if hidden else row["lon"],
        address_hidden=row["address_visibility"] == "attendees",
        online=bool(row["online_url"]),
        online_url=None if hidden else (row["online_url"] or None),
        capacity=row["capacity"],
        sequence=row["sequence"],
        organization=OrganizationRef(
            id=row["organization"], name=row.get("organization_name") or ""
        ),
        campaign=campaign,
        updated_at=row["updated_at"],
        distance_km=None if distance_km is None else round(distance_km, 1),
    )


def public_event(row: dict[str, Any], base_url: str, distance_km: float | None = None) -> EventOut:
    """What anyone may see. The exact address of an attendees-only event never leaves here."""
    hidden = row["address_visibility"] == "attendees"
    return _build(row, base_url, hidden=hidden, distance_km=distance_km)


def member_event(row: dict[str, Any], base_url: str) -> EventOut:
    """Everything, for members of the owning organization."""
    return _build(row, base_url, hidden=False, distance_km=None)
