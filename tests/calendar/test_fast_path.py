"""The feeds' fast path (``routes.from_cache``, answered from the caches) is the feed
routes' ``before_request`` hook: it skips nothing that guards a request. A host the app
does not serve is refused by Litestar's allowed-hosts layer first, and a failure in it
goes on to the handler."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar

from server.calendar import routes
from tests.calendar.helpers import count_routed, feed, published
from tests.events.helpers import member_with_org

PATH = "/feeds/events.ics"


def _only_host(app: Litestar, host: str) -> Litestar:
    """The feed routes (with their hook) for one allowed host: what production does
    for BASE_URL's host."""
    return Litestar(route_handlers=routes.ROUTES, allowed_hosts=[host], state=app.state)


async def test_only_allowed_hosts_get_the_fast_answer(
    client: httpx.AsyncClient, app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    await published(client, await member_with_org())
    etag = (await feed(client, PATH)).headers["etag"]  # built and cached by the routes
    routed = count_routed(monkeypatch)
    served = _only_host(app, "muster.example")
    transport = httpx.ASGITransport(app=served)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://muster.example") as ours:
        fast = await ours.get(PATH, headers={"If-None-Match": etag})
        assert fast.status_code == 304 and routed == []  # answered by the fast path
    async with httpx.AsyncClient(transport=transport, base_url="http://evil.example") as evil:
        refused = await evil.get(PATH, headers={"If-None-Match": etag})
        assert refused.status_code == 400  # Litestar's allowed hosts, before the cache
        assert "etag" not in refused.headers and routed == []


async def test_a_failure_in_the_fast_path_goes_to_the_routes(
    client: httpx.AsyncClient, app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    await published(client, await member_with_org())
    first = await feed(client, PATH)
    routed = count_routed(monkeypatch)

    async def broken(*args: Any) -> Any:
        raise RuntimeError("the state could not be read")

    with monkeypatch.context() as patched:
        patched.setattr(routes, "_cached_answer", broken)
        again = await feed(client, PATH, **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and len(routed) == 1  # the route answered
    assert (await feed(client, PATH, **{"If-None-Match": first.headers["etag"]})).status_code == 304
    assert len(routed) == 1  # and the fast path again once it works
