"""Calendar feed benchmarks: a feed of ~1,000 events over HTTP (full answer, 304), and
the rebuild after one event changed, in-process.

The feed is ``/feeds/events.ics?near=…&radius_km=…`` around the densest city, with the
smallest radius that holds at least 1,000 upcoming public events (a feed holds at most
1,000 upcoming ones, plus those that ended or were cancelled in the last 30 days).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from tests.perf.discovery import dense_cities
from tests.perf.harness import Database, Env, Result, Server, load, measured

NAME = "feeds"
WANTED = 1000
RADII = (5, 10, 25, 50, 100, 200, 300, 500)
# Targets from DESIGN.md: shares of hello-world's requests per second, and milliseconds.
WARM, NOT_MODIFIED, REBUILD_MS = 0.30, 0.80, 250.0
REBUILDS = 10


def _feed_path(env: Env) -> tuple[str, int]:
    """The densest city's smallest radius with >= WANTED listed upcoming events."""
    from server.geo.distance import haversine_km

    city = dense_cities(1)[0]
    approved = set(env.data.approved)
    now = datetime.now(UTC)
    points = [
        (e[16], e[17])
        for e in env.data.events
        if e[19] == "public" and e[20] == "published" and e[1] in approved and e[8] >= now
    ]
    for radius in RADII:
        count = sum(
            1 for lat, lon in points if haversine_km(city.lat, city.lon, lat, lon) <= radius
        )
        if count >= WANTED or radius == RADII[-1]:
            return f"/feeds/events.ics?near={city.lat:.2f},{city.lon:.2f}&radius_km={radius}", count
    raise AssertionError("unreachable")


def over_http(env: Env, database: Database, path: str) -> list[Result]:
    """Calendar apps send Accept-Encoding: gzip (the feed shrinks ~10x); the identity
    answer is measured too, for what a client without gzip costs."""
    opts, engine, results = env.options, database.engine, []
    gzip = {"Accept-Encoding": "gzip"}
    with Server("server.asgi:app", database) as server:
        status, headers, body = server.get(path)
        assert status == 200, status
        _, _, zipped = server.get(path, gzip)
        size = f"{body.count(b'BEGIN:VEVENT'):,} events, {len(body) / 1024:.0f} KiB"
        stats = load(server, opts, [path], headers=gzip)
        result = measured(env, NAME, "feed, full answer, gzip (warm)", engine, stats, WARM)
        result.note = (result.note + f" {size}, gzip {len(zipped) / 1024:.0f} KiB").strip()
        results.append(result)
        stats = load(server, opts, [path])
        results.append(measured(env, NAME, "feed, full answer, identity", engine, stats, None))
        revalidate = {**gzip, "If-None-Match": headers["etag"]}
        stats = load(server, opts, [path], headers=revalidate, expect=(304,))
        results.append(
            measured(env, NAME, "feed, 304 (If-None-Match)", engine, stats, NOT_MODIFIED)
        )
        since = {**gzip, "If-Modified-Since": headers["last-modified"]}
        stats = load(server, opts, [path], headers=since, expect=(304,))
        results.append(
            measured(env, NAME, "feed, 304 (If-Modified-Since)", engine, stats, NOT_MODIFIED)
        )
    return results


async def rebuild_in_process(env: Env, database: Database, path: str) -> list[Result]:
    """Query + build of the feed: never built (every VEVENT new), then after one change."""
    from urllib.parse import parse_qs, urlsplit

    from server import db
    from server.calendar import feeds, http
    from server.calendar.ics import build_calendar
    from server.events import search
    from server.events.tables import Event
    from server.geo import gazetteer
    from server.web import caching

    query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
    key = feeds.events_feed_key(query.get("near"), query.get("radius_km"), None, None)
    base_url = "http://bench.example"
    engine = db.make_engine(database.url)
    db.bind(engine)
    await db.start(engine)
    try:
        search.forget()
        http.forget()
        caching.forget_all()
        gazetteer.countries()  # loaded once per process (the event page needs it anyway)
        now = datetime.now(UTC)
        started = time.perf_counter()
        feed = await feeds.public_feed(key, base_url, now)
        queried = time.perf_counter()
        build_calendar(feed.calendar)
        cold_ms = (time.perf_counter() - started) * 1000
        query_ms = (queried - started) * 1000
        timings: list[float] = []
        cpu_ms: list[float] = []
        ids = [e.id for e in feed.calendar.events]
        for n in range(REBUILDS):
            changed = ids[(n * 97) % len(ids)]
            stamp = now + timedelta(seconds=n + 1)
            await Event.update(
                {Event.title: f"Moved rally {n}", Event.sequence: Event.sequence + 1,
                 Event.updated_at: stamp}
            ).where(Event.id == changed)  # fmt: skip
            started, cpu = time.perf_counter(), time.process_time()
            feed = await feeds.public_feed(key, base_url, now)
            build_calendar(feed.calendar)
            timings.append((time.perf_counter() - started) * 1000)
            cpu_ms.append((time.process_time() - cpu) * 1000)
    finally:
        await db.stop(engine)
    timings.sort()
    worst = timings[-1]
    cpu_ms.sort()
    note = (
        f"{len(ids):,} events; CPU p50 {cpu_ms[len(cpu_ms) // 2]:.0f} ms; first query "
        f"{query_ms:.0f} ms; never built before: {cold_ms:.0f} ms"
    )
    return [
        Result(NAME, "feed rebuild after a change", database.engine, None, timings[len(timings) // 2],
               worst, None, f"<= {REBUILD_MS:.0f} ms", worst <= REBUILD_MS, note),
    ]  # fmt: skip


async def run(env: Env) -> list[Result]:
    path, count = _feed_path(env)
    print(f"  feed: {path} ({count:,} upcoming listed events in range)", flush=True)
    results: list[Result] = []
    for database in env.databases:
        results += over_http(env, database, path)
        results += await rebuild_in_process(env, database, path)
    return results
