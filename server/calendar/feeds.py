"""Which events go in which calendar, as calendar apps should see them.

Public feeds (``/feeds/events.ics`` with search filters, ``/feeds/orgs/{id}.ics``) hold
the public events of approved organizations only: never a draft, private or unlisted
event. Each holds up to ``UPCOMING`` events that have not ended yet, events that ended
within ``KEEP_ENDED`` (a calendar that syncs a feed deletes what leaves it, so the past
month stays in the volunteer's calendar), and events cancelled within ``KEEP_CANCELLED``,
kept with STATUS:CANCELLED so subscribed calendars remove them.

Privacy (invariant 2): rows arrive in the public shape and go through
``views.public_event``, so an address-hidden event gives its city and its ~1 km-rounded
point only; no person's name or email is ever written (no ORGANIZER, no ATTENDEE).

A feed's ETag is computed from what decides its bytes — the feed, its calendar name and,
per event, (id, last change, sequence, status) — without building it, so a revalidation
costs one indexed query at most (see ``calendar.http``), and an unrelated change
elsewhere leaves the ETag (and the subscriber's copy) alone.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from server import i18n
from server.accounts import service as accounts
from server.calendar.ics import IcsCalendar, IcsEvent
from server.errors import NotFound, ValidationFailed
from server.events import query as search_query
from server.events import service as events
from server.events.calendar_rows import FeedFilter, FeedWindow, public_feed_rows
from server.events.schemas import EventOut
from server.events.views import public_event
from server.geo.country_names import country_name
from server.geo.distance import parse_point
from server.i18n import N_, Text
from server.web import caching
from server.web.caching import etag

# Bump when the builder's output changes for the same events: every feed's ETag moves.
FORMAT = 1
KEEP_ENDED = timedelta(days=30)
KEEP_CANCELLED = timedelta(days=30)
UPCOMING, ENDED, CANCELLED = 1000, 250, 250
REMINDER = timedelta(hours=2)  # the alarm of a downloaded event; the volunteer may delete it
REFRESH = timedelta(hours=1)


def _(text: str) -> str:
    """The texts Muster writes into a calendar, in the language it was asked for
    (``?lang=`` on feeds, the reader's language on pages); organizers' own texts stay."""
    return i18n.gettext(text)


def uid_host(base_url: str) -> str:
    """The domain part of every UID. It must never change (or calendars duplicate events)."""
    return urlsplit(base_url).hostname or "muster.invalid"


# --- one event ---------------------------------------------------------------------------


def _location(event: EventOut) -> str:
    """Venue, address, city and country — only the city and country when hidden."""
    parts = [p for p in (event.venue_name, event.address) if p]
    if len(parts) == 2 and parts[0].casefold() in parts[1].casefold():
        parts = parts[1:]  # "Pariser Platz", "Pariser Platz 1, 10117 Berlin"
    joined = ", ".join(parts).casefold()
    if event.city and event.city.casefold() not in joined:
        parts.append(event.city)
    country = country_name(event.country) if event.country else ""
    if country and country.casefold() not in joined:
        parts.append(country)
    if not parts and event.online_url:
        return event.online_url
    return ", ".join(parts)


def _description(event: EventOut) -> str:
    """Plain text (a Markdown description is plain text already); the URL is added by ics."""
    text = event.description.strip()
    if event.online_url:
        text = f"{text}\n\n{_('Join online:')} {event.online_url}".strip()
    return text


def ics_event(event: EventOut, *, alarm_before: timedelta | None = None) -> IcsEvent:
    """An event as a calendar sees it, from the view its reader may see.

    Pass ``views.public_event`` for anyone (city only for a hidden address) and
    ``views.member_event`` only where the full address may go (members; the personal
    feed of a volunteer whose signup is ``going``).
    """
    title = event.title
    if event.status == "cancelled":
        # Some calendar apps ignore STATUS:CANCELLED in subscriptions: say it in words too.
        title = f"{_('Cancelled:')} {title}"
    return IcsEvent(
        id=str(event.id),
        title=title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        updated_at=event.updated_at,
        sequence=event.sequence,
        url=event.url,
        status=event.status,
        description=_description(event),
        location=_location(event),
        lat=event.lat,
        lon=event.lon,
        alarm_before=alarm_before,
    )


def event_calendar(event: EventOut, base_url: str) -> IcsCalendar:
    """The single-event file ("Add to calendar"), with a reminder the volunteer may keep."""
    return IcsCalendar(
        name=event.title,
        host=uid_host(base_url),
        uid=f"event-{event.id}",
        url=f"{event.url}.ics",
        refresh=REFRESH,
        events=(ics_event(event, alarm_before=REMINDER),),
    )


def event_tag(event: EventOut, base_url: str, member: bool) -> str:
    """The single-event file's ETag, from what decides its bytes (its language too)."""
    return etag(
        "event",
        FORMAT,
        base_url,
        member,
        event.id,
        event.updated_at,
        event.sequence,
        event.status,
        i18n.current.get(),
    )


def filename(title: str, fallback: str = "event") -> str:
    """An ASCII file name from a title: "Vigil for Chechnya" → "vigil-for-chechnya.ics"."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")[:60].rstrip("-")
    return f"{slug or fallback}.ics"


# --- feeds -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedKey:
    """A normalised feed: equal keys are the same feed (the cache key)."""

    kind: str  # "events" | "org"
    near: tuple[float, float] | None = None
    radius_km: float = search_query.DEFAULT_RADIUS_KM
    campaign_id: uuid.UUID | None = None
    org_id: uuid.UUID | None = None
    # The language of the texts Muster writes in it (``?lang=``; the UID does not change).
    language: str = i18n.SOURCE

    @property
    def uid(self) -> str:
        """The calendar's own UID: stable per feed, never random."""
        parts = [f"feed-{self.kind}"]
        if self.near:
            parts.append(f"near-{self.near[0]:g},{self.near[1]:g}-{self.radius_km:g}")
        if self.campaign_id:
            parts.append(f"campaign-{self.campaign_id}")
        if self.org_id:
            parts.append(f"org-{self.org_id}")
        return "-".join(parts)

    def path(self) -> str:
        lang = f"lang={self.language}" if self.language != i18n.SOURCE else ""
        if self.kind == "org":
            return f"/feeds/orgs/{self.org_id}.ics" + (f"?{lang}" if lang else "")
        query = []
        if self.near:
            query.append(f"near={self.near[0]:g},{self.near[1]:g}&radius_km={self.radius_km:g}")
        if self.campaign_id:
            query.append(f"campaign={self.campaign_id}")
        if self.org_id:
            query.append(f"org={self.org_id}")
        if lang:
            query.append(lang)
        return "/feeds/events.ics" + ("?" + "&".join(query) if query else "")


def _uuid(value: str | None, name: str, errors: dict[str, str]) -> uuid.UUID | None:
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        errors[name] = Text(
            "Give the %(name)s as an id, like 4f1c2a3b-5d6e-4f70-8a9b-0c1d2e3f4a5b.", name=name
        )
        return None


def feed_language(lang: str | None) -> str:
    """A feed's language: only ``?lang=`` chooses it (calendar apps send no preference of
    the subscriber's, and one URL must always give the same bytes)."""
    return lang if lang in i18n.LANGUAGES else i18n.SOURCE


def events_feed_key(
    near: str | None,
    radius_km: str | None,
    campaign: str | None,
    org: str | None,
    lang: str | None = None,
) -> FeedKey:
    """Check the search filters as the search API does; errors name the parameter."""
    errors: dict[str, str] = {}
    point = parse_point(near) if near else None
    if near and point is None:
        errors["near"] = N_("Give the point as latitude,longitude, like 52.52,13.40.")
    radius: float | None = None
    if radius_km:
        try:
            radius = float(radius_km)
        except ValueError:
            low, high = f"{search_query.MIN_RADIUS_KM:g}", f"{search_query.MAX_RADIUS_KM:g}"
            errors["radius_km"] = Text(
                "Use a radius from %(low)s to %(high)s km.", low=low, high=high
            )
    campaign_id = _uuid(campaign, "campaign", errors)
    org_id = _uuid(org, "org", errors)
    if errors:
        raise ValidationFailed(errors)
    q = search_query.make_query(point, radius, campaign_id=campaign_id, org_id=org_id)
    return FeedKey("events", q.near, q.radius_km, q.campaign_id, q.org_id, feed_language(lang))


def org_feed_key(org_id: uuid.UUID, lang: str | None = None) -> FeedKey:
    return FeedKey("org", org_id=org_id, language=feed_language(lang))


async def _name(key: FeedKey) -> str:
    """The calendar's name; ``NotFound`` for a campaign or organization not public."""
    parts = []
    if key.org_id:
        org = await accounts.get_organization(key.org_id)
        if org is None or not org.approved:
            raise NotFound(N_("No such organization"))
        parts.append(org.name)
    if key.campaign_id:
        campaign = await events.get_campaign(None, key.campaign_id)
        parts.append(campaign["title"])
    if key.near:
        lat, lon = key.near
        parts.append(
            _("Events within %(km)s km of %(point)s")
            % {"km": f"{key.radius_km:g}", "point": f"{lat:g}, {lon:g}"}
        )
    if not parts:
        parts.append(_("Upcoming events"))
    return "Muster: " + " · ".join(parts)


@dataclass(frozen=True, slots=True)
class Feed:
    tag: str  # strong ETag of the bytes this calendar builds into
    last_change: datetime  # the latest change of an event in it (or EPOCH)
    calendar: IcsCalendar


EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def _window(now: datetime) -> FeedWindow:
    return FeedWindow(now, KEEP_ENDED, KEEP_CANCELLED, UPCOMING, ENDED, CANCELLED)


# Public IcsEvents by (base URL, event id, last change): every change to an event row
# sets ``updated_at``, so a rebuild after one change converts one row, not a thousand.
_public_events: caching.LRU[IcsEvent] = caching.LRU(20_000)


def _public_ics_event(row: dict[str, Any], base_url: str) -> IcsEvent:
    key = (base_url, row["id"], row["updated_at"], i18n.current.get())
    found = _public_events.get(key)
    if found is None:
        found = _public_events.put(key, ics_event(public_event(row, base_url)))
    return found


async def public_feed(key: FeedKey, base_url: str, now: datetime) -> Feed:
    """The feed's events and ETag as of ``now``; building its bytes is left to the caller."""
    with i18n.speaking(key.language):
        return await _public_feed(key, base_url, now)


async def _public_feed(key: FeedKey, base_url: str, now: datetime) -> Feed:
    name = await _name(key)
    rows = await public_feed_rows(
        FeedFilter(key.near, key.radius_km, key.campaign_id, key.org_id), _window(now)
    )
    members: list[tuple[Any, ...]] = []
    items = []
    for row in rows:
        items.append(_public_ics_event(row, base_url))
        members.append((row["id"], row["updated_at"], row["sequence"], row["status"]))
    host = uid_host(base_url)
    calendar = IcsCalendar(
        name=name,
        host=host,
        uid=key.uid,
        description=_("Public events on Muster. Updated hourly."),
        refresh=REFRESH,
        url=base_url + key.path(),
        events=tuple(items),
    )
    tag = etag("feed", FORMAT, base_url, key, name, members)
    last = max((e.updated_at for e in items), default=EPOCH)
    return Feed(tag, last, calendar)
