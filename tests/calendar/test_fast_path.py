"""The feeds' fast path (answered from the caches before routing) skips nothing that
guards a request: a host the app does not serve, or any failure, goes to the routes."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.types import Scope

from server.calendar import routes
from tests.calendar.helpers import feed, published
from tests.events.helpers import member_with_org

PATH = "/feeds/events.ics"


class Routes:
    """Stands for the app behind the fast path: records what reached it."""

    def __init__(self) -> None:
        self.reached: list[str] = []

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        self.reached.append(scope["path"])
        await send({"type": "http.response.start", "status": 418, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def _call(app: Any, scope: dict[str, Any]) -> int:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return int(sent[0]["status"])


def _scope(app: Litestar | None, host: bytes, etag: str) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": PATH,
        "raw_path": PATH.encode(),
        "query_string": b"",
        "headers": [(b"host", host), (b"if-none-match", etag.encode())],
    }
    if app is not None:
        scope["app"] = app
    return scope


async def test_only_allowed_hosts_get_the_fast_answer(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    await published(client, await member_with_org())
    etag = (await feed(client, PATH)).headers["etag"]  # built and cached by the routes
    behind = Routes()
    only_ours = routes.host_matcher(AllowedHostsConfig(allowed_hosts=["muster.example"]))
    serve = routes.with_calendar_paths(behind, only_ours)
    assert await _call(serve, _scope(app, b"muster.example", etag)) == 304  # fast, no routes
    assert behind.reached == []
    # Another host: the routes answer (in production their allowed-hosts check says 400).
    assert await _call(serve, _scope(app, b"evil.example", etag)) == 418
    assert behind.reached == [PATH]


async def test_a_failure_in_the_fast_path_goes_to_the_routes(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    await published(client, await member_with_org())
    etag = (await feed(client, PATH)).headers["etag"]
    behind = Routes()
    serve = routes.with_calendar_paths(behind, routes.host_matcher(None))
    # No app in the scope: the fast path cannot read the settings and must not answer.
    assert await _call(serve, _scope(None, b"testserver", etag)) == 418
    assert behind.reached == [PATH]
    assert await _call(serve, _scope(app, b"testserver", etag)) == 304
