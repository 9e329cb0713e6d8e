"""Must hold: 50 concurrent RSVPs for the last 10 places end with exactly 10 going and the
rest waitlisted — with real concurrent HTTP requests against a real server (``muster serve``
with two worker processes, so two writers really race), on whichever database the test
session uses (SQLite, or PostgreSQL when DATABASE_URL says so)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar

from server.settings import Settings
from server.signups.rsvp import rsvp as take_rsvp
from server.signups.schemas import SignupInput
from tests.e2e.live import LiveServer, muster_env
from tests.signups.helpers import api_csrf, person, published_event, signups_of, statuses

LAST_PLACES = 10
CONCURRENT = 50


@pytest.fixture(scope="module")
def live_server(
    app: Litestar, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """``muster serve --workers 2`` on the test session's own (migrated) database.

    Every request comes through 127.0.0.1 and names its client in X-Forwarded-For, which
    the server trusts from there: fifty different volunteers, not one client to rate-limit.
    """
    workdir = tmp_path_factory.mktemp("rsvp-live")
    env = muster_env(
        workdir / "unused.db",
        DATABASE_URL=settings.database_url,
        TRUSTED_PROXIES="127.0.0.1",
        MAIL_WORKER="0",
        MAIL_DIR=str(workdir / "mail"),
    )
    server = LiveServer(env, workdir, "--workers", "2")
    try:
        server.wait_healthy(timeout_s=60)
        yield server.url
    finally:
        server.stop()


async def test_fifty_concurrent_rsvps_for_ten_places(
    client: httpx.AsyncClient, live_server: str
) -> None:
    _, event = await published_event(client, capacity=30)
    event_id = uuid.UUID(event["id"])
    for n in range(30 - LAST_PLACES):  # 20 places already taken
        taken = await take_rsvp(event_id, SignupInput(**person(f"early-{n}")))
        assert taken.status == "going"

    async with httpx.AsyncClient(base_url=live_server, timeout=60) as http:
        csrf = await api_csrf(http)  # the cookie stays in the client, valid in both workers

        async def one(n: int) -> httpx.Response:
            return await http.post(
                f"/api/v1/events/{event_id}/signups",
                json=person(f"rush-{n}"),
                headers={"X-Forwarded-For": f"198.51.100.{n + 1}", **csrf},
            )

        answers = await asyncio.gather(*(one(n) for n in range(CONCURRENT)))

    assert [a.status_code for a in answers] == [201] * CONCURRENT, [a.text for a in answers]
    told = [a.json() for a in answers]
    assert sum(t["status"] == "going" for t in told) == LAST_PLACES
    waitlisted = sorted(t["position"] for t in told if t["status"] == "waitlisted")
    assert waitlisted == list(range(1, CONCURRENT - LAST_PLACES + 1))
    # The database agrees: never more going than places, the rest in one queue.
    assert await statuses(event["id"]) == {"going": 30, "waitlisted": CONCURRENT - LAST_PLACES}
    queue = [r for r in await signups_of(event["id"]) if r["status"] == "waitlisted"]
    assert len({r["waitlisted_at"] for r in queue}) == len(queue)


async def test_concurrent_rsvps_in_one_process_are_decided_in_order(
    client: httpx.AsyncClient,
) -> None:
    """The same race inside one process (batched writes), the same address twice included."""
    _, event = await published_event(client, capacity=5, max_guests=1)
    event_id = uuid.UUID(event["id"])
    twice = person("twice")
    bodies = [person(n, guests=n % 2) for n in range(12)] + [twice, twice]
    results = await asyncio.gather(*(take_rsvp(event_id, SignupInput(**b)) for b in bodies))
    rows = await signups_of(event["id"])
    assert len(rows) == 13  # the repeated address wrote one signup
    taken = sum(1 + r["guests"] for r in rows if r["status"] == "going")
    assert taken <= 5
    positions = [r.position for r in results[:12] if r.status == "waitlisted"]
    assert positions == list(range(1, len(positions) + 1))  # arrival order
    assert results[12].status == results[13].status
