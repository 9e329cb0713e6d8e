"""Per-client rate limits on sensitive actions, shared through the app's store.

The store is in memory for one instance and Redis when ``REDIS_URL`` is set, so several
instances count together. The client is the socket peer, or the X-Forwarded-For entry
added by a proxy we trust (never a header from just anyone: CVE-2025-59152).
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from litestar import Request
from litestar.exceptions import TooManyRequestsException
from litestar.stores.base import Store

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
    raw = await store.get(bucket)
    count = int(raw) + 1 if raw else 1
    await store.set(bucket, str(count).encode(), expires_in=window_s)
    return count <= limit


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
