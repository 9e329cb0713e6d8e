"""Rows to answers: the only place an event row becomes something a caller sees.

``public_event`` applies invariant 2 (city only, rounded coordinates, no online link
for address-hidden events); ``member_event`` is the full record for members of the
owning organization. Both give times in the event's own zone. ``description_html``
turns a description into safe HTML for pages.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from server import i18n
from server.events import languages
from server.events.schemas import CampaignRef, EventOut, OrganizationRef


def event_url(base_url: str, event_id: Any) -> str:
    return f"{base_url}/events/{event_id}"


def _local(value: datetime, tz: str) -> datetime:
    return value.astimezone(ZoneInfo(tz))


def _shown_text(row: dict[str, Any], localize: bool) -> tuple[str, str, str]:
    """Title, description and their language: the reader's translation when the
    organizers made one (and ``attach`` put it on the row), else the original."""
    original = row.get("language") or i18n.SOURCE
    reader = i18n.current.get()
    if localize and reader != original:
        found = (row.get("translations") or {}).get(reader)
        if found:
            return found[0], found[1], reader
    return row["title"], row["description"], original


def _build(
    row: dict[str, Any],
    base_url: str,
    *,
    hidden: bool,
    distance_km: float | None,
    localize: bool = True,
) -> EventOut:
    tz = row["timezone"]
    title, description, language = _shown_text(row, localize)
    campaign_title = row.get("campaign_title") or ""
    if localize:
        campaign_title = (row.get("campaign_translations") or {}).get(
            i18n.current.get(), campaign_title
        )
    campaign = (
        CampaignRef(id=row["campaign"], title=campaign_title) if row.get("campaign") else None
    )
    return EventOut(
        id=row["id"],
        url=event_url(base_url, row["id"]),
        title=title,
        description=description,
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
        # SQLite's raw rows carry booleans as 0/1; rows from older callers may lack them.
        waitlist_enabled=bool(row.get("waitlist_enabled", True)),
        requires_approval=bool(row.get("requires_approval", False)),
        max_guests=int(row.get("max_guests") or 0),
        sequence=row["sequence"],
        organization=OrganizationRef(
            id=row["organization"], name=row.get("organization_name") or ""
        ),
        campaign=campaign,
        updated_at=row["updated_at"],
        distance_km=None if distance_km is None else round(distance_km, 1),
        language=language,
        original_language=row.get("language") or i18n.SOURCE,
        spoken_languages=languages.stored_codes(row.get("spoken_languages")),
    )


def public_event(row: dict[str, Any], base_url: str, distance_km: float | None = None) -> EventOut:
    """What anyone may see. The exact address of an attendees-only event never leaves here."""
    hidden = row["address_visibility"] == "attendees"
    return _build(row, base_url, hidden=hidden, distance_km=distance_km)


def attendee_event(row: dict[str, Any], base_url: str) -> EventOut:
    """For a volunteer whose signup is going: the exact address and online link too
    (invariant 2), but none of the members-only settings."""
    return _build(row, base_url, hidden=False, distance_km=None)


def member_event(row: dict[str, Any], base_url: str) -> EventOut:
    """Everything, for members of the owning organization: the original text, as they
    wrote it (their translations are on the edit page)."""
    event = _build(row, base_url, hidden=False, distance_km=None, localize=False)
    event.discreet = bool(row.get("discreet", False))
    event.reminder_minutes = reminder_list(row.get("reminder_minutes", ""))
    return event


def reminder_list(stored: str | None) -> list[int]:
    """The stored "1440,120" as [1440, 120] (what the API and the form show)."""
    return [int(part) for part in (stored or "").split(",") if part.strip().isdigit()]


# --- descriptions --------------------------------------------------------------------

# Markdown may format text and link out, nothing more: no raw HTML (markdown-it's
# html=False escapes it), no images (they would load from another host), and nh3
# removes anything that slipped through, e.g. javascript: links.
_ALLOWED_TAGS = {
    "p", "br", "strong", "em", "a", "ul", "ol", "li", "blockquote", "code", "pre",
    "h2", "h3", "h4", "hr",
}  # fmt: skip
_markdown = MarkdownIt("commonmark", {"html": False}).disable("image")


def description_html(text: str, description_format: str) -> Markup:
    """Safe HTML for an event description: escaped plain text, or sanitized Markdown."""
    if description_format == "markdown":
        html = _markdown.render(text)
        # Headings inside a description sit below the page's own h1/h2.
        html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
        return Markup(  # noqa: S704 - sanitized by nh3 right here
            nh3.clean(
                html,
                tags=_ALLOWED_TAGS,
                attributes={"a": {"href", "title"}},
                url_schemes={"http", "https", "mailto"},
                link_rel="nofollow noopener noreferrer",
            )
        )
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(p).split("\n")))
        for p in paragraphs
        if p
    )
