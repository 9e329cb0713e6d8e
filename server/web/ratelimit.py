"""Per-client rate limits on sensitive actions, shared through the app's store.

The store is in memory for one instance and Redis when ``REDIS_URL`` is set, so several
instances count together. The client is the socket peer, or the X-Forwarded-For entry
added by a proxy we trust (never a header from just anyone: CVE-2025-59152).

The window slides (the last ``window_s`` seconds, not the current clock minute), and
checking and recording an attempt is one atomic step, so neither parallel attempts nor a
minute's edge let more than ``limit`` through: a Lua script over a sorted set in Redis,
one lock in the single-instance memory store.
"""

from __future__ import annotations

import ipaddress
import time
import uuid
from collections import deque
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from server.i18n import N_
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


async def hit(store: Store, key: str, limit: int, window_s: int, now: float | None = None) -> bool:
    """Count one attempt; False when ``limit`` attempts were already let through in the
    last ``window_s`` seconds (a sliding window: no double burst at a minute's edge).

    Refused attempts are not recorded, so at most ``limit`` entries are kept per key.
    """
    now = time.time() if now is None else now
    if isinstance(store, RedisStore):
        allowed = await store._redis.eval(
            _SLIDING_WINDOW, 1, store._make_key(f"rl:{key}"), now, window_s, limit,
            f"{now}:{uuid.uuid4().hex[:8]}",
        )  # fmt: skip
        return bool(allowed)
    if isinstance(store, SlidingWindowMemoryStore):
        return await store.admit(key, now, limit, window_s)
    raise TypeError(f"rate limits need a Redis or sliding-window memory store, not {type(store)}")


# Atomic in Redis: drop attempts older than the window, count, and record this one if it
# is admitted. Members are unique, so attempts in the same microsecond all count.
_SLIDING_WINDOW = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
"""


class SlidingWindowMemoryStore(MemoryStore):
    """The single-instance store: admitted attempts' times per key, checked and recorded
    under one lock (a get and a set in a row would let parallel attempts all pass)."""

    MAX_KEYS = 50_000  # then keys with nothing recent are dropped

    def __init__(self) -> None:
        super().__init__()
        self._attempts: dict[str, deque[float]] = {}

    async def admit(self, key: str, now: float, limit: int, window_s: int) -> bool:
        async with self._lock:
            times = self._attempts.setdefault(key, deque())
            while times and times[0] <= now - window_s:
                times.popleft()
            if len(times) >= limit:
                return False
            times.append(now)
            if len(self._attempts) > self.MAX_KEYS:
                self._attempts = {
                    k: t for k, t in self._attempts.items() if t and t[-1] > now - 3600
                }
            return True

    async def delete_all(self) -> None:
        await super().delete_all()
        async with self._lock:
            self._attempts.clear()


async def enforce(
    request: Request[Any, Any, Any], action: str, limit: int, window_s: int = 60
) -> None:
    """Raise 429 when this client made more than ``limit`` ``action`` attempts in the window."""
    settings: Settings = request.app.state.settings
    store = request.app.stores.get("rate_limit")
    if not await hit(store, f"{action}:{client_address(request, settings)}", limit, window_s):
        raise TooManyRequestsException(
            N_("Too many attempts; wait a minute and try again."),
            headers={"Retry-After": str(window_s)},
        )
