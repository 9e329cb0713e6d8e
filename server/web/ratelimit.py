"""Per-client rate limits on sensitive actions, shared through the app's store.

The store is in memory for one instance and Redis when ``REDIS_URL`` is set, so several
instances count together. The client is the socket peer, or the X-Forwarded-For entry
added by a proxy we trust (never a header from just anyone: CVE-2025-59152).

Counting is atomic, so a burst of parallel attempts cannot slip past the limit: Redis
increments with INCR (one round trip, MULTI/EXEC with the expiry); the in-memory store of
a single instance counts under a lock held across its read and write.
"""

from __future__ import annotations

import ipaddress
import time
from datetime import timedelta
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.stores.base import StorageObject, Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from server.settings import Settings


def client_address(request: Request[Any, Any, Any], settings: Settings) -> str:
    peer = request.client.host if request.client else "unknown"
    if not settings.trusted_proxies or not _is_trusted(peer, settings.trusted_proxies):
        return peer
    forwarded = [
        h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()
    ]
    # Walk from the right: the last hop not added by one of our proxies is the client.
    for hop in reversed(forwarded):
        if not _is_trusted(hop, settings.trusted_proxies):
            return hop
    return peer


def _is_trusted(address: str, proxies: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(p, strict=False) for p in proxies)


async def hit(store: Store, key: str, limit: int, window_s: int) -> bool:
    """Count one attempt; False when ``limit`` attempts were already made in this window."""
    bucket = f"rl:{key}:{int(time.time()) // window_s}"
    return await _increment(store, bucket, window_s) <= limit


class CountingMemoryStore(MemoryStore):
    """The single-instance store, with a read-and-write that no other task can interleave.

    It reuses MemoryStore's own lock and dict: a get and a set in a row would each take the
    lock, and parallel attempts could all read the same count between them.
    """

    async def increment(self, key: str, expires_in: int | timedelta) -> int:
        async with self._lock:
            stored = self._store.get(key)
            count = 1 if stored is None or stored.expired else int(stored.data) + 1
            self._store[key] = StorageObject.new(data=str(count).encode(), expires_in=expires_in)
        return count


async def _increment(store: Store, bucket: str, window_s: int) -> int:
    if isinstance(store, RedisStore):
        # The bucket's name carries its window, so renewing the expiry on every hit is
        # harmless: the key is only read while its window lasts.
        async with store._redis.pipeline(transaction=True) as pipe:
            key = store._make_key(bucket)
            pipe.incr(key)
            pipe.expire(key, window_s)
            count, _ = await pipe.execute()
        return int(count)
    if isinstance(store, CountingMemoryStore):
        return await store.increment(bucket, window_s)
    raise TypeError(f"rate limits need a Redis or counting memory store, not {type(store)}")


async def enforce(
    request: Request[Any, Any, Any], action: str, limit: int, window_s: int = 60
) -> None:
    """Raise 429 when this client made more than ``limit`` ``action`` attempts in the window."""
    settings: Settings = request.app.state.settings
    store = request.app.stores.get("rate_limit")
    if not await hit(store, f"{action}:{client_address(request, settings)}", limit, window_s):
        raise TooManyRequestsException(
            "Too many attempts; wait a minute and try again.",
            headers={"Retry-After": str(window_s)},
        )
