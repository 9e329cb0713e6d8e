"""A burst of parallel attempts on one instance cannot slip past a rate limit."""

from __future__ import annotations

import asyncio
import uuid

from litestar import Litestar

from server.web.ratelimit import hit


async def test_parallel_hits_on_the_memory_store_never_pass_the_limit(app: Litestar) -> None:
    store = app.stores.get("rate_limit")
    key = f"race:{uuid.uuid4()}"
    results = await asyncio.gather(*(hit(store, key, limit=7, window_s=60) for _ in range(50)))
    assert results.count(True) == 7


async def test_the_window_slides_so_a_minutes_edge_gives_no_second_burst(app: Litestar) -> None:
    store = app.stores.get("rate_limit")
    key = f"edge:{uuid.uuid4()}"
    edge = 60.0 * 29_000_000  # a whole minute
    assert all([await hit(store, key, 3, 60, now=edge - 0.5) for _ in range(3)])
    # A fixed per-minute window would start counting again here.
    assert not await hit(store, key, 3, 60, now=edge + 0.5)
    assert not await hit(store, key, 3, 60, now=edge + 59.4)
    assert await hit(store, key, 3, 60, now=edge + 59.6)  # the first three have aged out
