"""Public discovery, read side: listed events soonest first, or nearest first around a point.

Listed means: visibility public, organization approved by an admin, and either published
and not ended yet, or cancelled after publishing and not started yet (so a volunteer who
planned to go sees the "cancelled" badge instead of the event silently vanishing). A date
range replaces "not ended yet" and may reach into the past.

Nearby search is a box query on the search point (exact for a public address, ~1 km
rounded for a hidden one: invariant 2), then the exact great-circle distance in Python.
SQLite answers the box from the ``event_geo`` R*Tree over the narrow ``event_search``
copy (its planner would otherwise walk the date index), PostgreSQL from a GiST index;
see the migration ``discovery_indexes``. Hidden addresses never leave the database: the
row query blanks them, and ``views.public_event`` hides them again.

Memos, all tied to the change version (or the minute): approved organizations (re-read
each second), events running right now, and public rows by id. Cached answers live in
the HTTP layer (``discovery.py``).
"""

# Queries here are built from constant SQL fragments; every value is a bound parameter
# (``Sql.p``), so S608's "SQL built from strings" does not apply.
# ruff: noqa: S608

from __future__ import annotations

import hashlib
import json
import math
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from server.accounts import service as accounts
from server.events import changes, translations
from server.events.public_sql import ROW, Sql, as_uuid, instant, typed
from server.events.query import Query
from server.events.schemas import CampaignRef, EventOut, EventPage
from server.events.validation import MAX_DURATION
from server.events.views import public_event
from server.geo.distance import EARTH_RADIUS_KM, bounding_box

APPROVED_POLL_S = 1.0
# Local midnight is between UTC-14h (Kiribati) and UTC+12h (Baker Island): the database
# prefilters with that slack and the exact day in the event's own zone is checked here.
_EARLIEST_MIDNIGHT, _LATEST_MIDNIGHT = timedelta(hours=14), timedelta(hours=12)


# --- what every public answer depends on ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Approved:
    ids: frozenset[uuid.UUID]
    text: frozenset[str]  # as SQLite stores them
    json: str  # for SQLite's json_each
    digest: str


@dataclass(frozen=True, slots=True)
class PublicState:
    """Change version, approved organizations and the minute ("now", so events drop out
    once they end): with the query, everything a public answer depends on, so also the
    key its cached copy is kept under."""

    version: int
    approved: Approved
    minute: int

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self.minute * 60, UTC)

    def key(self) -> tuple[int, str, int]:
        return (self.version, self.approved.digest, self.minute)


_approved: tuple[float, Approved] | None = None


async def _approved_organizations() -> Approved:
    """Approvals do not bump the change version, so they are re-read at most every second."""
    global _approved
    now = time.monotonic()
    if _approved is not None and now - _approved[0] < APPROVED_POLL_S:
        return _approved[1]
    ids = frozenset(await accounts.approved_organization_ids())
    text = sorted(str(i) for i in ids)
    digest = hashlib.blake2b(",".join(text).encode(), digest_size=12).hexdigest()
    _approved = (now, Approved(ids, frozenset(text), json.dumps(text), digest))
    return _approved[1]


async def public_state(now: float | None = None) -> PublicState:
    version = await changes.current()
    approved = await _approved_organizations()
    return PublicState(version, approved, int((time.time() if now is None else now) // 60))


def forget() -> None:
    """Drop the memos (tests; an approval elsewhere is seen within APPROVED_POLL_S)."""
    global _approved, _ongoing, _rows
    _approved = _ongoing = _rows = None


# --- reading -------------------------------------------------------------------------------


def _listed(
    sql: Sql,
    q: Query,
    state: PublicState,
    t: str = "e",
    starts_from: datetime | None = None,
    organizations: bool = True,
) -> str:
    """WHERE "listed publicly" and the query's filters (dates only prefiltered).

    ``t="s"`` writes it over SQLite's ``event_search``, which holds only public,
    published or cancelled events. Without ``organizations`` the caller checks that the
    organization is approved (cheaper in Python than a list of ids in SQL over a box).
    ``starts_from`` is a lower bound on starts_at when the caller knows a tighter one
    (one bound only: given two, SQLite may range-scan from the looser).
    """
    now = state.now
    ends_after = now
    if q.date_from:
        midnight = datetime(q.date_from.year, q.date_from.month, q.date_from.day, tzinfo=UTC)
        ends_after = midnight - _EARLIEST_MIDNIGHT
    published = f"{t}.published = 1" if t == "s" else f"{t}.published_at IS NOT NULL"
    # The unary + keeps SQLite off the status index (it would read every published event).
    plus = "+" if sql.sqlite else ""
    parts = [
        f"({plus}{t}.status = 'published' OR ({t}.status = 'cancelled' AND {published}"
        f" AND {t}.starts_at >= {sql.p(now)}))",
        f"{t}.ends_at >= {sql.p(ends_after)}",
    ]
    if t == "e":
        parts.append(f"{plus}e.visibility = 'public'")
        # No event lasts longer than MAX_DURATION: the starts_at index then skips the past.
        lowest = max(ends_after - MAX_DURATION, starts_from or ends_after - MAX_DURATION)
        parts.append(f"e.starts_at >= {sql.p(lowest)}")
    if t == "e" and organizations:
        if sql.sqlite:  # + again: never read every event of every approved organization
            listed = sql.p(state.approved.json)
            parts.append(f"+e.organization IN (SELECT value FROM json_each({listed}))")
        else:
            parts.append(f"e.organization = ANY({sql.p(list(state.approved.ids))})")
    if q.date_to:
        day_after = q.date_to + timedelta(days=1)
        upper = datetime(day_after.year, day_after.month, day_after.day, tzinfo=UTC)
        parts.append(f"{t}.starts_at < {sql.p(upper + _LATEST_MIDNIGHT)}")
    if q.campaign_id:
        parts.append(f"{t}.campaign = {sql.p(q.campaign_id)}")
    if q.org_id:
        parts.append(f"{t}.organization = {sql.p(q.org_id)}")
    return " AND ".join(parts)


@lru_cache(maxsize=4096)
def _local_midnight(day: date, tz: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _in_dates(q: Query, starts_at: datetime, ends_at: datetime, tz: str) -> bool:
    """Does the event overlap the days [from, to] of its own zone?"""
    if q.date_from and ends_at <= _local_midnight(q.date_from, tz):
        return False
    return not (q.date_to and starts_at >= _local_midnight(q.date_to + timedelta(days=1), tz))


# Public rows by id for the current change version: a row cannot change without the
# version moving, so searches that miss the answer cache mostly find their events here.
# The version is read before the rows, so a cached row is never older than its version.
MAX_CACHED_ROWS = 5000
_rows: tuple[int, dict[uuid.UUID, dict[str, Any]]] | None = None


async def _rows_by_id(ids: list[uuid.UUID], state: PublicState) -> dict[uuid.UUID, dict[str, Any]]:
    global _rows
    if _rows is None or _rows[0] != state.version or len(_rows[1]) > MAX_CACHED_ROWS:
        _rows = (state.version, {})
    cache = _rows[1]
    missing = [i for i in ids if i not in cache]
    if missing:
        sql = Sql()
        marks = ", ".join(sql.p(i) for i in missing)
        loaded = [typed(row) for row in await sql.rows(f"{ROW} WHERE e.id IN ({marks})")]
        # Translations change only with the version too: they are kept on the rows.
        for row in await translations.attach(loaded):
            cache[row["id"]] = row
    return cache


# --- nearest first ---------------------------------------------------------------------------


async def _nearby(q: Query, state: PublicState) -> tuple[list[tuple[float, uuid.UUID]], int]:
    """(distance, id) of the page, nearest first, and how many match in all."""
    assert q.near is not None
    lat, lon = q.near
    box = bounding_box(lat, lon, q.radius_km)
    sql = Sql()
    selects = []
    # Start, end and zone are read only when a date range needs them.
    when = ("starts_at", "ends_at", "timezone") if q.dated else ("starts_at",)
    for west, east in box.lon_ranges:  # two ranges across the antimeridian
        if sql.sqlite:
            # R*Tree coordinates are 32-bit floats rounded outwards: still a superset.
            columns = ", ".join(f"s.{c}" for c in ("event_id", "lat", "lon", "organization", *when))
            selects.append(
                f"SELECT {columns} FROM event_geo g JOIN event_search s ON s.geo_id = g.geo_id "
                f"WHERE g.min_lat <= {sql.p(box.max_lat)} AND g.max_lat >= {sql.p(box.min_lat)} "
                f"AND g.min_lon <= {sql.p(east)} AND g.max_lon >= {sql.p(west)} "
                f"AND {_listed(sql, q, state, 's')}"
            )
        else:
            columns = ", ".join(
                f"e.{c}" for c in ("id", "search_lat", "search_lon", "organization", *when)
            )
            # The first four conditions match the partial index event_listed_point, which
            # also holds every column read here (see the migration).
            selects.append(
                f"SELECT {columns} FROM event e WHERE e.visibility = 'public' "
                "AND e.status IN ('published', 'cancelled') AND e.search_lat IS NOT NULL "
                "AND e.search_lon IS NOT NULL AND point(e.search_lon, e.search_lat) <@ "
                f"box(point({sql.p(west)}, {sql.p(box.min_lat)}), "
                f"point({sql.p(east)}, {sql.p(box.max_lat)})) "
                f"AND {_listed(sql, q, state, organizations=False)}"
            )
    candidates = await sql.tuples(" UNION ALL ".join(selects))
    approved: frozenset[Any] = state.approved.text if sql.sqlite else state.approved.ids
    # distance.haversine_km, inlined: this loop runs for every event in the box, and a call
    # per candidate measured 25-35% slower over 100k points; comparing the haversine term
    # with the radius's own term also skips sqrt/asin for the points outside it.
    rad, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
    p1, l1 = rad(lat), rad(lon)
    cos_p1 = cos(p1)
    limit = sin(q.radius_km / (2 * EARTH_RADIUS_KM)) ** 2  # a <= limit: within the radius
    scored = []
    for row in candidates:
        if row[3] not in approved:
            continue
        p2 = rad(row[1])
        a = sin((p2 - p1) / 2) ** 2 + cos_p1 * cos(p2) * sin((rad(row[2]) - l1) / 2) ** 2
        if a > limit:
            continue
        if q.dated and not _in_dates(q, instant(row[4]), instant(row[5]), row[6]):
            continue
        # Equally far (one venue): soonest first.
        scored.append((2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(a))), row[4], row[0]))
    scored.sort()
    page = scored[q.offset : q.offset + q.per_page]
    return [(km, as_uuid(i)) for km, _, i in page], len(scored)


# --- soonest first ---------------------------------------------------------------------------

# Events running right now come first in the list, but finding them means reading every
# event that started within MAX_DURATION; that set is memoised per state (so once a
# minute), and the query proper reads upcoming events straight off the starts_at index.
_ongoing: tuple[tuple[int, str, int], list[tuple[datetime, uuid.UUID, str, str | None]]] | None = (
    None
)


async def _ongoing_events(state: PublicState) -> list[tuple[datetime, uuid.UUID, str, str | None]]:
    global _ongoing
    if _ongoing is not None and _ongoing[0] == state.key():
        return _ongoing[1]
    sql = Sql()
    rows = await sql.tuples(
        "SELECT e.starts_at, e.id, e.organization, e.campaign FROM event e "
        f"WHERE {_listed(sql, Query(), state)} AND e.starts_at < {sql.p(state.now)}"
    )
    found = sorted((instant(s), as_uuid(i), str(o), c and str(c)) for s, i, o, c in rows)
    _ongoing = (state.key(), found)
    return found


async def _soonest(q: Query, state: PublicState, base_url: str) -> EventPage:
    ongoing = [
        i
        for _, i, org, campaign in await _ongoing_events(state)
        if (q.org_id is None or org == str(q.org_id))
        and (q.campaign_id is None or campaign == str(q.campaign_id))
    ]
    ids = ongoing[q.offset : q.offset + q.per_page]
    wanted = q.per_page - len(ids)
    sql = Sql()
    later = await sql.tuples(
        f"SELECT e.id FROM event e WHERE {_listed(sql, q, state, starts_from=state.now)} "
        f"ORDER BY e.starts_at, e.id LIMIT {sql.p(wanted + 1)} "
        f"OFFSET {sql.p(max(0, q.offset - len(ongoing)))}"
    )
    ids += [as_uuid(i) for (i,) in later[:wanted]]
    by_id = await _rows_by_id(ids, state)
    # Counting every upcoming event would cost more than the page: ``total`` stays unknown.
    has_next = len(later) > wanted or q.offset + q.per_page < len(ongoing)
    items = [public_event(by_id[i], base_url) for i in ids if i in by_id]
    return EventPage(items, q.page, q.per_page, has_next, None)


async def _dated(q: Query, state: PublicState, base_url: str) -> EventPage:
    sql = Sql()
    candidates = await sql.tuples(
        "SELECT e.id, e.starts_at, e.ends_at, e.timezone FROM event e "
        f"WHERE {_listed(sql, q, state)} ORDER BY e.starts_at, e.id"
    )
    matching = [
        as_uuid(i) for i, s, e, tz in candidates if _in_dates(q, instant(s), instant(e), tz)
    ]
    ids = matching[q.offset : q.offset + q.per_page]
    by_id = await _rows_by_id(ids, state)
    items = [public_event(by_id[i], base_url) for i in ids if i in by_id]
    has_next = q.offset + q.per_page < len(matching)
    return EventPage(items, q.page, q.per_page, has_next, len(matching))


# --- the service -----------------------------------------------------------------------------


async def search(q: Query, state: PublicState, base_url: str) -> EventPage:
    """One page of listed events for ``q`` as of ``state`` (its minute is "now")."""
    if not state.approved.ids:
        return EventPage(items=[], page=q.page, per_page=q.per_page, has_next=False, total=0)
    if q.near is None:
        return await (_dated(q, state, base_url) if q.dated else _soonest(q, state, base_url))
    page, total = await _nearby(q, state)
    by_id = await _rows_by_id([i for _, i in page], state)
    items: list[EventOut] = [public_event(by_id[i], base_url, km) for km, i in page if i in by_id]
    return EventPage(items, q.page, q.per_page, q.offset + q.per_page < total, total)


async def listed_campaigns(state: PublicState, limit: int = 200) -> list[CampaignRef]:
    """Campaigns with at least one listed event that has not ended, by title."""
    if not state.approved.ids:
        return []
    sql = Sql()
    rows = await sql.tuples(
        "SELECT c.id, c.title FROM campaign c WHERE EXISTS (SELECT 1 FROM event e "
        f"WHERE e.campaign = c.id AND {_listed(sql, Query(), state)}) "
        f"ORDER BY c.title, c.id LIMIT {sql.p(limit)}"
    )
    return [CampaignRef(id=as_uuid(i), title=title) for i, title in rows]
