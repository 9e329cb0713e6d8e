"""Must hold: 50 volunteers confirming at once for the last 10 places end with exactly 10
going and the rest waitlisted in one queue — with real concurrent HTTP requests against a
real server (``muster serve`` with two worker processes, so two writers really race), on
whichever database the test session uses (SQLite, or PostgreSQL when DATABASE_URL says so).

Where places are counted an RSVP takes one only when confirmed from its email
(``server/signups/rsvp.py``), so the race for the last place is the confirmations'."""

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
from tests.signups.helpers import (
    manage_token,
    person,
    published_event,
    rsvp_confirmed,
    signups_of,
    statuses,
)

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


async def test_fifty_concurrent_confirmations_for_ten_places(
    client: httpx.AsyncClient, live_server: str
) -> None:
    _, event = await published_event(client, capacity=30)
    for n in range(30 - LAST_PLACES):  # 20 places already taken
        taken = await rsvp_confirmed(client, event["id"], person(f"early-{n}"))
        assert taken.json()["status"] == "going"
    rush = [person(f"rush-{n}") for n in range(CONCURRENT)]
    await asyncio.gather(*(take_rsvp(uuid.UUID(event["id"]), SignupInput(**p)) for p in rush))
    tokens = [await manage_token(p["email"]) for p in rush]

    async with httpx.AsyncClient(base_url=live_server, timeout=60) as http:

        async def one(n: int) -> httpx.Response:
            return await http.post(
                "/api/v1/signups/manage/confirm",
                headers={"X-Forwarded-For": f"198.51.100.{n + 1}", "X-Manage-Token": tokens[n]},
            )

        answers = await asyncio.gather(*(one(n) for n in range(CONCURRENT)))

    assert [a.status_code for a in answers] == [200] * CONCURRENT, [a.text for a in answers]
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
    """The same rush inside one process (batched writes), the same address twice included:
    one signup per address, and the repeat is answered exactly like the first."""
    _, event = await published_event(client, capacity=5, max_guests=1)
    event_id = uuid.UUID(event["id"])
    twice = person("twice")
    bodies = [person(n, guests=n % 2) for n in range(12)] + [twice, twice]
    results = await asyncio.gather(*(take_rsvp(event_id, SignupInput(**b)) for b in bodies))
    assert {r.status for r in results} == {"unconfirmed"}
    assert results[12] == results[13]
    # One signup per address, and none holds a place yet.
    assert await statuses(event["id"]) == {"unconfirmed": 13}
