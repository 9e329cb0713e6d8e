"""One event's page and its ``.ics`` over HTTP, as anonymous readers fetch them.

Anonymous readers of a listed event all get the same bytes, so both answers come from the
cache after the first read: a full answer (warm) and a revalidation (304). The paths
cycle through 200 listed upcoming events, so the cache holds more than one entry.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.perf.harness import Database, Env, Result, Server, load, measure_hello, measured

NAME = "event_pages"
WARM = 0.30  # DESIGN.md / issue 13: an event page and an event .ics warm >= 30% of hello
EVENTS = 200


def _listed_event_ids(env: Env) -> list[str]:
    approved = set(env.data.approved)
    now = datetime.now(UTC)
    ids = [
        str(e[0])
        for e in env.data.events
        if e[19] == "public" and e[20] == "published" and e[1] in approved and e[8] >= now
    ]
    return ids[:EVENTS]


def _measure(env: Env, database: Database, kind: str, suffix: str) -> list[Result]:
    paths = [f"/events/{event_id}{suffix}" for event_id in _listed_event_ids(env)]
    opts, engine = env.options, database.engine
    with Server("server.asgi:app", database) as server:
        tags = {}
        for path in paths:  # the first read of each fills the cache
            status, headers, _ = server.get(path)
            assert status == 200, (path, status)
            tags[path] = headers["etag"]
        stats = load(server, opts, paths)
        results = [measured(env, NAME, f"{kind}, warm", engine, stats, WARM)]
        # One validator for one path: what a browser or calendar app sends back.
        path = paths[0]
        stats = load(server, opts, [path], headers={"If-None-Match": tags[path]}, expect=(304,))
        results.append(measured(env, NAME, f"{kind}, 304", engine, stats, WARM))
    return results


async def run(env: Env) -> list[Result]:
    results: list[Result] = []
    for i, database in enumerate(env.databases):
        if i:
            results.append(measure_hello(env, f"hello-world, again ({database.engine})"))
        results += _measure(env, database, "event page", "")
        results += _measure(env, database, "event .ics", ".ics")
    return results
