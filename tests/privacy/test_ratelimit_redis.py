"""Rate limits are shared by every instance through Redis when REDIS_URL is set.

Two apps with the same REDIS_URL stand for two instances behind a load balancer: ten
reports through one and the eleventh through the other is refused. Needs the Redis at
127.0.0.1:6379 (skipped when it does not answer).
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from litestar import Litestar

from server.web.ratelimit import hit
from tests.conftest import csrf_token
from tests.events.helpers import create_event, member_with_org
from tests.privacy.conftest import redis_up

pytestmark = pytest.mark.skipif(not redis_up(), reason="no Redis at 127.0.0.1:6379")


def _client(application: Litestar) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, client=("198.51.100.4", 5000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


async def test_two_instances_share_the_report_limit(
    instances: tuple[Litestar, Litestar], client: httpx.AsyncClient
) -> None:
    owner = await member_with_org()
    event = await create_event(client, owner, publish=True)
    path = f"/events/{event['id']}/report"
    first, second = instances
    async with _client(first) as one, _client(second) as two:
        token_one = await csrf_token(one, path)
        token_two = await csrf_token(two, path)
        for _ in range(10):
            sent = await one.post(path, data={"reason": "other", "_csrf_token": token_one})
            assert sent.status_code == 303
        refused = await two.post(path, data={"reason": "other", "_csrf_token": token_two})
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "3600"


async def test_hit_counts_in_redis(instances: tuple[Litestar, Litestar]) -> None:
    first, second = instances
    key = f"test:{uuid.uuid4()}"
    store_one = first.stores.get("rate_limit")
    store_two = second.stores.get("rate_limit")
    assert await hit(store_one, key, limit=2, window_s=60)
    assert await hit(store_two, key, limit=2, window_s=60)
    assert not await hit(store_one, key, limit=2, window_s=60)


async def test_parallel_hits_never_pass_the_limit(instances: tuple[Litestar, Litestar]) -> None:
    """Fifty attempts at once through two instances: exactly the limit gets through."""
    first, second = instances
    key = f"race:{uuid.uuid4()}"
    stores = [first.stores.get("rate_limit"), second.stores.get("rate_limit")]
    results = await asyncio.gather(
        *(hit(stores[n % 2], key, limit=7, window_s=60) for n in range(50))
    )
    assert results.count(True) == 7


async def test_the_shared_window_slides_over_a_minutes_edge(
    instances: tuple[Litestar, Litestar],
) -> None:
    first, second = instances
    stores = [first.stores.get("rate_limit"), second.stores.get("rate_limit")]
    key = f"edge:{uuid.uuid4()}"
    edge = 60.0 * 29_000_000
    assert all([await hit(stores[n % 2], key, 3, 60, now=edge - 0.5) for n in range(3)])
    assert not await hit(stores[0], key, 3, 60, now=edge + 0.5)
    assert await hit(stores[1], key, 3, 60, now=edge + 59.6)
