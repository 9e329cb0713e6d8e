"""Discovery benchmarks: the nearby query in-process, and the public pages and API over HTTP.

Warm: the answers come from the cache (the normal case between two event changes).
Cold: a server with the cache off (``tests.perf.uncached``), and for nearby a new radius
on every request as well, so each request runs the query and renders its answer.
"""

from __future__ import annotations

import random
import time

from tests.perf import seed
from tests.perf.harness import Database, Env, Result, Server, load, measure_hello, measured

NAME = "discovery"
RADIUS_KM = 50
QUERIES = 1000
# Targets from DESIGN.md, as shares of the hello-world's requests per second.
WARM, COLD_JSON, COLD_HTML = 0.30, 0.12, 0.06


def dense_cities(count: int = 20) -> list[seed.City]:
    return sorted(seed.cities(), key=lambda c: -c.weight)[:count]


def _nearby_paths(cities: list[seed.City], radius: str) -> list[str]:
    return [f"/api/v1/events?near={c.lat:.2f},{c.lon:.2f}&radius_km={radius}" for c in cities]


async def nearby_in_process(env: Env, database: Database) -> list[Result]:
    """The search service alone (query, distances, page rows, views) around many centres."""
    from server import db
    from server.events import search
    from server.events.query import make_query

    engine = db.make_engine(database.url)
    db.bind(engine)
    await db.start(engine)
    try:
        search.forget()
        state = await search.public_state()
        places = seed.cities()
        rng = random.Random(11)
        centres = rng.choices(places, weights=[c.weight for c in places], k=QUERIES)
        for c in centres[:50]:  # warm the page cache as a running server would be
            await search.search(make_query(near=(c.lat, c.lon), radius_km=RADIUS_KM), state, "")
        timings, found = [], 0
        for c in centres:
            q = make_query(near=(c.lat, c.lon), radius_km=RADIUS_KM)
            started = time.perf_counter()
            page = await search.search(q, state, "")
            timings.append(time.perf_counter() - started)
            found += page.total or 0
    finally:
        await db.stop(engine)
    timings.sort()
    p50, p99 = timings[len(timings) // 2] * 1000, timings[int(len(timings) * 0.99)] * 1000
    note = f"{QUERIES} centres, {RADIUS_KM} km, {found / QUERIES:.0f} matches on average"
    return [
        Result(NAME, "nearby query p50 (in-process)", database.engine, None, p50, None, None,
               "<= 2 ms", p50 <= 2, note),
        Result(NAME, "nearby query p99 (in-process)", database.engine, None, None, p99, None,
               "<= 10 ms", p99 <= 10, ""),
    ]  # fmt: skip


def warm(env: Env, database: Database) -> list[Result]:
    opts, engine, results = env.options, database.engine, []
    cities = dense_cities()
    with Server("server.asgi:app", database) as server:
        nearby = _nearby_paths(cities, str(RADIUS_KM))
        for path in nearby:
            server.get(path)
        stats = load(server, opts, nearby)
        results.append(measured(env, NAME, "nearby API, warm", engine, stats, WARM))
        stats = load(server, opts, ["/api/v1/events"])
        results.append(measured(env, NAME, "list JSON, warm", engine, stats, WARM))
        stats = load(server, opts, ["/"])
        results.append(measured(env, NAME, "home page HTML, warm", engine, stats, WARM))
        fragment = {"HX-Request": "true", "HX-Target": "results"}
        server.get("/?place=Berlin&radius_km=50", fragment)  # builds the gazetteer index
        stats = load(server, opts, ["/?place=Berlin&radius_km=50"], headers=fragment)
        results.append(measured(env, NAME, "search results (htmx), warm", engine, stats, WARM))

        _, headers, _ = server.get(nearby[0])
        stats = load(
            server, opts, nearby[:1], headers={"If-None-Match": headers["etag"]}, expect=(304,)
        )
        results.append(measured(env, NAME, "nearby API, 304", engine, stats, None))
        # Revalidate as one browser: an anonymous reader has no cookie (older versions
        # set a CSRF cookie here, which the page's ETag covered: send it back if so).
        _, headers, _ = server.get("/")
        cookie = {"Cookie": headers["set-cookie"].split(";", 1)[0]} if headers["set-cookie"] else {}
        _, headers, _ = server.get("/", cookie)
        stats = load(
            server, opts, ["/"], headers={**cookie, "If-None-Match": headers["etag"]}, expect=(304,)
        )
        results.append(measured(env, NAME, "home page HTML, 304", engine, stats, None))
    return results


def cold(env: Env, database: Database) -> list[Result]:
    opts, engine, results = env.options, database.engine, []
    with Server("tests.perf.uncached:app", database) as server:
        server.get("/")
        # A new radius for every request: never the same question twice.
        paths = _nearby_paths(dense_cities(), "{n}")
        stats = load(server, opts, paths, unique=(20.0, 0.001, ".3f"))
        results.append(measured(env, NAME, "nearby API, cold", engine, stats, COLD_JSON))
        stats = load(server, opts, ["/api/v1/events"])
        results.append(measured(env, NAME, "list JSON, cold", engine, stats, COLD_JSON))
        stats = load(server, opts, ["/"])
        results.append(measured(env, NAME, "home page HTML, cold", engine, stats, COLD_HTML))
    return results


async def run(env: Env) -> list[Result]:
    results: list[Result] = []
    for i, database in enumerate(env.databases):
        if i:  # the ratios below use the hello-world measured right before them
            results.append(measure_hello(env, f"hello-world, again ({database.engine})"))
        results += await nearby_in_process(env, database)
        results += warm(env, database)
        results += cold(env, database)
    return results
