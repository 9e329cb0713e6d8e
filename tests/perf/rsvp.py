"""RSVP benchmark: creating signups through HTTP, 20 concurrent clients, on each engine.

Every request is a new volunteer (a unique email) RSVPing to one published event through
``POST /api/v1/events/<id>/signups``; each comes from its own client address (the server
trusts X-Forwarded-For from 127.0.0.1 here), so the per-client rate limit, which is
tested elsewhere, does not turn the run into a stream of 429s. Each RSVP does all its
real work: the capacity check under the event's write lock, the volunteer and signup
rows, and the confirmation and reminder emails in the outbox. The in-process mail
worker is off (``MAIL_WORKER=0``, as with ``muster serve --no-worker`` and a separate
``muster worker``), so the server core measures the RSVPs alone.

Targets (DESIGN.md): PostgreSQL >= 1,500/s, SQLite >= 500/s (beside a ~12,600/s
hello-world: 11.9% and 4.0% of the hello-world of the same run), p99 <= 500 ms, no errors.

Run alone: ``python -m tests.perf rsvp`` (``--events 1000`` seeds faster). The module is
also the load generator's entry point for POST requests:
``python -m tests.perf.rsvp '<json spec>'``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.perf import loadgen
from tests.perf.harness import ROOT, Database, Env, Result, Server, _pin

NAME = "rsvp"
CONNECTIONS = 20
# DESIGN.md's targets were set beside a hello-world of ~12,600 req/s on this machine; like
# every other target of `make bench` they are judged as that share of the hello-world
# measured in the same run (a busy machine slows both alike).
TARGETS = {"sqlite": 500.0, "postgresql": 1500.0}
HELLO_REFERENCE = 12_600.0
P99_MS = 500.0
PASSWORD = "bench-organizer-password"


async def _published_event(database: Database) -> uuid.UUID:
    """An approved organization's published event without a capacity limit."""
    from server import db
    from server.accounts import approvals
    from server.accounts import service as accounts
    from server.events import service as events
    from server.events.schemas import EventInput

    engine = db.make_engine(database.url)
    db.bind(engine)
    await db.start(engine)
    try:
        tag = uuid.uuid4().hex[:8]
        owner = await accounts.register_organizer(f"rsvp-{tag}@bench.invalid", PASSWORD, "Bench")
        org = await accounts.create_organization(owner, f"RSVP bench {tag}")
        admin, _ = await accounts.make_admin(f"admin-{tag}@bench.invalid", PASSWORD)
        await approvals.approve_organization(admin, org.id, "benchmark")
        day = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
        data = EventInput(
            title="RSVP benchmark rally",
            starts_at=datetime.fromisoformat(f"{day}T18:00:00"),
            ends_at=datetime.fromisoformat(f"{day}T20:00:00"),
            city="Berlin",
            country="DE",
            address="Pariser Platz 1",
        )
        row = await events.create_event(owner, org.id, data)
        await events.publish_event(owner, row["id"])
        event_id: uuid.UUID = row["id"]
        return event_id
    finally:
        await db.stop(engine)


class PostRequests(loadgen.Requests):
    """A new volunteer per request: unique email and client address, JSON body."""

    def __init__(self, spec: loadgen.Spec) -> None:
        super().__init__(spec)
        self.fixed = None
        self.host = f"{spec.host}:{spec.port}"
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in spec.headers.items())
        self.run = uuid.uuid4().hex[:8]

    def next(self) -> bytes:
        n = self.n
        self.n += 1
        body = json.dumps(
            {"display_name": f"Volunteer {n}", "email": f"v{n}-{self.run}@bench.invalid"}
        ).encode()
        # 10.x.y.z from n: one client address per RSVP (the rate limit is per client).
        address = f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"
        head = (
            f"POST {self.paths[0]} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-Forwarded-For: {address}\r\n{self.extra}\r\n"
        )
        return head.encode() + body


def _csrf_headers(server: Server) -> dict[str, str]:
    """What an API client sends with an RSVP: the CSRF cookie and the same token in the
    header (README, API), from ``GET /api/v1/csrf``; one pair serves every request."""
    with urllib.request.urlopen(f"{server.url}/api/v1/csrf", timeout=10) as answer:  # noqa: S310
        found = json.loads(answer.read())
        cookie = answer.headers["set-cookie"].split(";", 1)[0]
    return {"Cookie": cookie, found["header"]: found["token"]}


def _post_load(server: Server, env: Env, path: str) -> dict[str, Any]:
    spec = {
        "host": "127.0.0.1",
        "port": server.port,
        "paths": [path],
        "connections": CONNECTIONS,
        "seconds": env.options.seconds,
        "warmup": env.options.warmup,
        "expect": [201],
        "headers": _csrf_headers(server),
    }
    out = subprocess.run(
        [*_pin(1), sys.executable, "-m", "tests.perf.rsvp", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _result(env: Env, database: Database, stats: dict[str, Any]) -> Result:
    share = TARGETS[database.engine] / HELLO_REFERENCE
    ratio = stats["rps"] / env.hello_rps if env.hello_rps else None
    note = f"statuses {stats['statuses']}"
    if stats["errors"]:
        note += f", connection errors {stats['errors']}"
    ok = (
        ratio is not None
        and ratio >= share
        and stats["p99_ms"] <= P99_MS
        and not stats["unexpected"]
        and not stats["errors"]
    )
    return Result(
        NAME,
        f"RSVP create, {CONNECTIONS} clients",
        database.engine,
        stats["rps"],
        stats["p50_ms"],
        stats["p99_ms"],
        ratio,
        f">= {share:.1%}, p99 <= {P99_MS:.0f} ms",
        ok,
        note + f"; target {TARGETS[database.engine]:,.0f}/s at a {HELLO_REFERENCE:,.0f}/s hello",
    )


async def run(env: Env) -> list[Result]:
    results: list[Result] = []
    saved = {k: os.environ.get(k) for k in ("TRUSTED_PROXIES", "MAIL_WORKER")}
    os.environ.update(TRUSTED_PROXIES="127.0.0.1", MAIL_WORKER="0")
    try:
        for database in env.databases:
            event_id = await _published_event(database)
            path = f"/api/v1/events/{event_id}/signups"
            with Server("server.asgi:app", database) as server:
                stats = _post_load(server, env, path)
            results.append(_result(env, database, stats))
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return results


def main() -> None:
    """The load generator with POST requests (runs pinned to its own core)."""
    spec = loadgen.Spec(**json.loads(sys.argv[1]))
    loadgen.Requests = PostRequests  # type: ignore[misc]
    try:
        import uvloop
    except ImportError:
        print(json.dumps(asyncio.run(loadgen.run(spec))))
    else:
        print(json.dumps(uvloop.run(loadgen.run(spec))))


if __name__ == "__main__":
    main()
