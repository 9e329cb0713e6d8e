"""Read side for public calendar feeds: which public events a feed's filters select.

The calendar feature decides the policy (how long ended and cancelled events stay, how
many events a feed holds) and passes it in; this module only reads the events tables
(they belong to the events feature). Rows come back in the public shape: the venue,
address, exact point and online link of an address-hidden event are blanked here,
before anything leaves, and ``views.public_event`` hides them again (invariant 2).

Public means: visibility public, organization approved, and published — or cancelled
after publishing. Three groups, each capped: upcoming events (not ended yet, soonest
first), recently ended ones (latest first) and recently cancelled ones (latest first).
"""

# Queries are built from constant SQL fragments; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# Importing Piccolo's SQLite engine registers its adapters (UUID, aware datetime → text).
from piccolo.engine.sqlite import SQLiteEngine

from server import db
from server.events.public_sql import FROM, PUBLIC_PLACE, Sql, instant, parse_uuid
from server.events.validation import MAX_DURATION
from server.geo.distance import bounding_box, haversine_km


@dataclass(frozen=True, slots=True)
class FeedFilter:
    near: tuple[float, float] | None = None
    radius_km: float = 25.0
    campaign_id: uuid.UUID | None = None
    org_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class FeedWindow:
    """How much of the past a feed keeps, and how many events of each group."""

    now: datetime
    keep_ended: timedelta  # published events stay this long after they end
    keep_cancelled: timedelta  # cancelled ones this long after the cancellation
    upcoming: int = 1000
    ended: int = 250
    cancelled: int = 250


_COLUMNS = f"""e.id, e.title, e.description, e.description_format, e.kind, e.status,
    e.visibility, e.starts_at, e.ends_at, e.timezone, e.city, e.country, e.search_lat,
    e.search_lon, e.address_visibility, e.capacity, e.sequence, e.organization, e.campaign,
    e.updated_at, e.published_at, e.cancelled_at,
    {PUBLIC_PLACE}"""


async def _typed_rows(sql: Sql, text: str) -> list[dict[str, Any]]:
    """A feed's rows, read off the event loop, converted to Python values."""
    return [_typed(row) for row in await sql.rows_in_thread(text)]


def _typed(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("id", "organization", "campaign"):
        if row.get(name) is not None and not isinstance(row[name], uuid.UUID):
            row[name] = parse_uuid(str(row[name]))
    for name in ("starts_at", "ends_at", "updated_at", "published_at", "cancelled_at"):
        if row.get(name) is not None:  # published_at, cancelled_at: NULL until then
            row[name] = instant(row[name])
    if row.get("lat") is None or row.get("lon") is None:
        row["lat"] = row["lon"] = None
    if row["address_visibility"] != "public":  # belt and braces: the SQL blanked them
        row.update(venue_name="", address="", lat=None, lon=None, online_url="")
    return row


def _public(sql: Sql, f: FeedFilter) -> str:
    # The unary + keeps SQLite off the status and organization indexes (it would read
    # every published event, or every event of an organization, before the dates).
    plus = "+" if sql.sqlite else ""
    parts = [
        f"{plus}e.visibility = 'public'",
        "o.approved_at IS NOT NULL",
    ]
    if f.campaign_id:
        parts.append(f"e.campaign = {sql.p(f.campaign_id)}")
    if f.org_id:
        parts.append(f"e.organization = {sql.p(f.org_id)}")
    return " AND ".join(parts)


async def _grouped(f: FeedFilter, w: FeedWindow) -> list[dict[str, Any]]:
    """Without a point: each group straight off the starts_at index, capped in SQL.

    No event lasts longer than MAX_DURATION, so a bound on starts_at lets the index skip
    the far past; recently ended events are read backwards from now (latest start first).
    """
    plus = "+" if isinstance(db.engine(), SQLiteEngine) else ""
    found: dict[uuid.UUID, dict[str, Any]] = {}
    ended_after = w.now - w.keep_ended
    groups = (
        # Upcoming = running now (the (starts_at, ends_at) index answers it without
        # reading the events that already ended) + starting later (soonest first).
        (
            lambda s: (
                f"{plus}e.status = 'published' AND e.starts_at < {s.p(w.now)} "
                f"AND e.starts_at >= {s.p(w.now - MAX_DURATION)} AND e.ends_at >= {s.p(w.now)}"
            ),
            "e.starts_at, e.id",
            w.upcoming,
        ),
        (
            lambda s: f"{plus}e.status = 'published' AND e.starts_at >= {s.p(w.now)}",
            "e.starts_at, e.id",
            w.upcoming,
        ),
        (
            lambda s: (
                f"{plus}e.status = 'published' AND e.starts_at < {s.p(w.now)} "
                f"AND e.starts_at >= {s.p(ended_after - MAX_DURATION)} "
                f"AND e.ends_at < {s.p(w.now)} AND e.ends_at >= {s.p(ended_after)}"
            ),
            "e.starts_at DESC, e.id",
            w.ended,
        ),
        (
            lambda s: (
                "e.status = 'cancelled' AND e.published_at IS NOT NULL "
                f"AND e.cancelled_at >= {s.p(w.now - w.keep_cancelled)}"
            ),
            "e.cancelled_at DESC, e.id",
            w.cancelled,
        ),
    )
    for condition, order, limit in groups:
        sql = Sql()
        where = condition(sql)
        rows = await _typed_rows(
            sql,
            f"SELECT {_COLUMNS} {FROM} WHERE {where} AND {_public(sql, f)} "
            f"ORDER BY {order} LIMIT {sql.p(limit)}",
        )
        for row in rows:
            found.setdefault(row["id"], row)
    # Running and later events together are capped once more, soonest first.
    upcoming = sorted(
        (r for r in found.values() if r["status"] == "published" and r["ends_at"] >= w.now),
        key=lambda r: (r["starts_at"], r["id"]),
    )
    for row in upcoming[w.upcoming :]:
        del found[row["id"]]
    return list(found.values())


def _in_box_sql(sql: Sql, f: FeedFilter, w: FeedWindow) -> str:
    """(id, search point, start, end, status) of every public candidate in the box.

    SQLite reads the ``event_geo`` R*Tree over ``event_search`` (public, published or
    cancelled events only; see the ``discovery_indexes`` migration), PostgreSQL its GiST
    index on the search point: a wide box never walks the wide event rows.
    """
    assert f.near is not None
    box = bounding_box(f.near[0], f.near[1], f.radius_km)
    selects = []
    for west, east in box.lon_ranges:  # two ranges across the antimeridian
        if sql.sqlite:
            select = (
                "SELECT s.event_id AS id, s.lat AS search_lat, s.lon AS search_lon, "
                "s.starts_at, s.ends_at, s.status FROM event_geo g "
                "JOIN event_search s ON s.geo_id = g.geo_id "
                "JOIN organization o ON o.id = s.organization "
                f"WHERE g.min_lat <= {sql.p(box.max_lat)} AND g.max_lat >= {sql.p(box.min_lat)} "
                f"AND g.min_lon <= {sql.p(east)} AND g.max_lon >= {sql.p(west)} "
                f"AND ((s.status = 'published' AND s.ends_at >= {sql.p(w.now - w.keep_ended)}) "
                "OR (s.status = 'cancelled' AND s.published = 1)) "
                "AND o.approved_at IS NOT NULL"
            )
            if f.campaign_id:
                select += f" AND s.campaign = {sql.p(f.campaign_id)}"
            if f.org_id:
                select += f" AND s.organization = {sql.p(f.org_id)}"
        else:
            select = (
                "SELECT e.id, e.search_lat, e.search_lon, e.starts_at, e.ends_at, e.status "
                "FROM event e JOIN organization o ON o.id = e.organization "
                "WHERE e.search_lat IS NOT NULL AND point(e.search_lon, e.search_lat) "
                f"<@ box(point({sql.p(west)}, {sql.p(box.min_lat)}), "
                f"point({sql.p(east)}, {sql.p(box.max_lat)})) "
                f"AND ((e.status = 'published' AND e.ends_at >= {sql.p(w.now - w.keep_ended)}) "
                "OR (e.status = 'cancelled' AND e.published_at IS NOT NULL)) "
                f"AND {_public(sql, f)}"
            )
        selects.append(select)
    return " UNION ALL ".join(selects)


async def _nearby(f: FeedFilter, w: FeedWindow) -> list[dict[str, Any]]:
    """Around a point: candidates from the spatial index, the exact distance and the
    caps here, then the full rows of the chosen few. Distances use the public search
    point (~1 km rounded for a hidden address), as nearby search does."""
    assert f.near is not None
    lat, lon = f.near
    sql = Sql()
    candidates = await sql.rows_in_thread(_in_box_sql(sql, f, w))
    upcoming, ended, cancelled = [], [], []
    for row in candidates:
        if haversine_km(lat, lon, row["search_lat"], row["search_lon"]) > f.radius_km:
            continue
        starts, ends = instant(row["starts_at"]), instant(row["ends_at"])
        if row["status"] == "cancelled":
            cancelled.append(row["id"])  # the cancellation's date is in the wide row
        elif ends >= w.now:
            upcoming.append((starts, row["id"]))
        else:
            ended.append((starts, row["id"]))
    upcoming.sort()
    ended.sort(reverse=True)
    ids = [i for _, i in upcoming[: w.upcoming]] + [i for _, i in ended[: w.ended]]
    ids += cancelled
    if not ids:
        return []
    fetch = Sql()
    marks = ", ".join(fetch.p(i) for i in ids)
    rows = await _typed_rows(
        fetch,
        f"SELECT {_COLUMNS} {FROM} WHERE e.id IN ({marks}) AND (e.status = 'published' "
        f"OR e.cancelled_at >= {fetch.p(w.now - w.keep_cancelled)})",
    )
    dropped = [r for r in rows if r["status"] == "cancelled"]
    dropped.sort(key=lambda r: (r["cancelled_at"], r["id"]), reverse=True)
    kept = {r["id"] for r in dropped[: w.cancelled]}
    return [r for r in rows if r["status"] == "published" or r["id"] in kept]


async def public_feed_rows(f: FeedFilter, w: FeedWindow) -> list[dict[str, Any]]:
    """Public rows a feed with filter ``f`` holds as of ``w.now``, soonest first."""
    rows = await (_nearby(f, w) if f.near is not None else _grouped(f, w))
    rows.sort(key=lambda r: (r["starts_at"], r["id"]))
    return rows
