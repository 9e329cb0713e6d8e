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
