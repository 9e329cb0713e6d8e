"""The SQL layer under public search: one read-only SQLite connection per thread, bound
parameters for either engine, and the public event row with hidden addresses blanked."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import uuid
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.engine.sqlite import SQLiteEngine

from server import db
from server.events.tables import Event


class SqliteReader:
    """One read-only connection per thread and database file, used synchronously (on the
    event loop's thread for search, in worker threads for feeds).

    Piccolo opens a new connection and thread per query outside a transaction; these
    reads are index lookups of about a millisecond that never wait for a writer (WAL),
    so they run right on the event loop: a hop to a thread costs more than the query,
    and waiting for the GIL back adds up to 5 ms to the slowest requests. Values come
    back as stored (text for UUIDs and instants) and are converted only where needed.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def connection(self, engine: SQLiteEngine) -> sqlite3.Connection:
        path = engine.path
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.path == path:
            return conn
        if conn is not None:
            conn.close()
        conn = sqlite3.connect(path, timeout=engine.connection_kwargs.get("timeout", 5.0))
        conn.execute("PRAGMA query_only = 1")
        conn.execute("PRAGMA cache_size = -32768")  # 32 MiB: the indexes stay in memory
        self._local.conn, self._local.path = conn, path
        return conn


READER = SqliteReader()


class Sql:
    """Collects parameters and writes each engine's placeholder (Piccolo's ``{}`` on
    PostgreSQL, ``?`` on SQLite)."""

    def __init__(self) -> None:
        engine = db.engine()
        self.sqlite: SQLiteEngine | None = engine if isinstance(engine, SQLiteEngine) else None
        self.args: list[Any] = []

    def p(self, value: Any) -> str:
        self.args.append(value)
        return "?" if self.sqlite else "{}"

    async def rows(self, sql: str) -> list[dict[str, Any]]:
        """Rows as dicts; on SQLite read right here on the event loop (index lookups)."""
        if self.sqlite is None:
            found: list[dict[str, Any]] = await Event.raw(sql, *self.args).run()
            return found
        return self._sqlite_rows(self.sqlite, sql)

    async def rows_in_thread(self, sql: str) -> list[dict[str, Any]]:
        """Like ``rows``, but a SQLite read runs in a worker thread: for big reads (a
        feed's thousand rows take tens of ms, too long to hold the event loop)."""
        if self.sqlite is None:
            return await self.rows(sql)
        return await asyncio.to_thread(self._sqlite_rows, self.sqlite, sql)

    def _sqlite_rows(self, engine: SQLiteEngine, sql: str) -> list[dict[str, Any]]:
        cursor = READER.connection(engine).execute(sql, self.args)
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    async def tuples(self, sql: str) -> list[tuple[Any, ...]]:
        if self.sqlite is None:
            return [tuple(r.values()) for r in await Event.raw(sql, *self.args).run()]
        found: list[tuple[Any, ...]] = (
            READER.connection(self.sqlite).execute(sql, self.args).fetchall()
        )
        return found


def instant(value: Any) -> datetime:
    """PostgreSQL gives datetimes; SQLite the UTC text Piccolo stored."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def as_uuid(value: Any) -> uuid.UUID:
    """PostgreSQL gives UUIDs; SQLite text (parsed once: the same ids come back a lot)."""
    return value if isinstance(value, uuid.UUID) else parse_uuid(value)


@lru_cache(maxsize=8192)
def parse_uuid(text: str) -> uuid.UUID:
    return uuid.UUID(text)


# ZoneInfo caches zones only while something references them (plus the last 8 used):
# holding every zone seen here keeps views and templates from re-reading tz files from
# disk for each event shown.
ZONES: dict[str, ZoneInfo] = {}


def typed(row: dict[str, Any]) -> dict[str, Any]:
    tz = row["timezone"]
    if tz not in ZONES:
        ZONES[tz] = ZoneInfo(tz)
    for name in ("id", "organization"):
        row[name] = as_uuid(row[name])
    if row["campaign"] is not None:
        row["campaign"] = as_uuid(row["campaign"])
    for name in ("starts_at", "ends_at", "updated_at"):
        row[name] = instant(row[name])
    return row


# The address, venue, exact point and online link of an attendees-only event stay in the
# database: a public row carries '' / NULL instead (views.public_event hides them too).
# Every public read (search here, feeds in calendar_rows.py) selects them through this.
_SHOWN = "e.address_visibility = 'public'"
PUBLIC_PLACE = f"""CASE WHEN {_SHOWN} THEN e.venue_name ELSE '' END AS venue_name,
    CASE WHEN {_SHOWN} THEN e.address ELSE '' END AS address,
    CASE WHEN {_SHOWN} THEN e.lat END AS lat,
    CASE WHEN {_SHOWN} THEN e.lon END AS lon,
    CASE WHEN {_SHOWN} THEN e.online_url ELSE '' END AS online_url,
    o.name AS organization_name, c.title AS campaign_title"""
# What PUBLIC_PLACE's names (o, c) come from.
FROM = """FROM event e JOIN organization o ON o.id = e.organization
    LEFT JOIN campaign c ON c.id = e.campaign"""
ROW = f"""SELECT
    e.id, e.title, e.description, e.description_format, e.kind, e.status, e.visibility,
    e.starts_at, e.ends_at, e.timezone, e.city, e.country, e.search_lat, e.search_lon,
    e.address_visibility, e.capacity, e.sequence, e.organization, e.campaign, e.updated_at,
    e.waitlist_enabled, e.requires_approval, e.max_guests, e.language, e.spoken_languages,
    {PUBLIC_PLACE}
    {FROM}"""
