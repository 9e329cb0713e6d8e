"""``calendar.http.feed_response``: the helper signups' personal feed is served with."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from litestar import Litestar, Request, get
from litestar.datastructures import State
from litestar.stores.memory import MemoryStore
from litestar.stores.registry import StoreRegistry
from litestar.types import ASGIApp

from server.calendar import http
from server.calendar.ics import IcsCalendar, IcsEvent
from server.settings import Settings

BERLIN = ZoneInfo("Europe/Berlin")
builds: list[str] = []
version = {"n": 1}


async def _calendar() -> IcsCalendar:
    builds.append("built")
    start = datetime(2026, 12, 5, 18, 0, tzinfo=BERLIN)
    event = IcsEvent(
        id="e1",
        title="Vigil",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        timezone="Europe/Berlin",
        updated_at=datetime(2026, 11, 1, tzinfo=UTC),
        sequence=version["n"],
        url="http://testserver/events/e1",
        location="Pariser Platz 1, Berlin",
    )
    return IcsCalendar(name="My signups", host="testserver", uid="me", events=(event,))


@get("/my.ics")
async def personal(request: Request[Any, Any, Any]) -> ASGIApp:
    return await http.feed_response(
        request, ("me", version["n"]), _calendar, private=True, filename="my-signups.ics"
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    builds.clear()
    version["n"] = 1
    app = Litestar(
        [personal],
        stores=StoreRegistry({"response_cache": MemoryStore()}),
        state=State({"settings": Settings(base_url="http://testserver")}),
    )
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_built_once_per_key_and_304_without_building(client: httpx.AsyncClient) -> None:
    first = await client.get("/my.ics")
    assert first.status_code == 200
    assert first.headers["content-type"] == "text/calendar; charset=utf-8"
    assert first.headers["cache-control"] == "private, max-age=300"
    assert first.headers["content-disposition"] == 'inline; filename="my-signups.ics"'
    assert "LOCATION:Pariser Platz 1\\, Berlin" in first.text
    second = await client.get("/my.ics")
    assert second.content == first.content and second.headers["etag"] == first.headers["etag"]
    assert builds == ["built"]

    tag, modified = first.headers["etag"], first.headers["last-modified"]
    assert (await client.get("/my.ics", headers={"If-None-Match": tag})).status_code == 304
    assert (await client.get("/my.ics", headers={"If-Modified-Since": modified})).status_code == 304
    assert builds == ["built"]

    version["n"] = 2  # the caller's key changed: new content, new validators
    changed = await client.get("/my.ics", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    assert "SEQUENCE:2" in changed.text
    assert builds == ["built", "built"]


async def test_concurrent_requests_build_once(client: httpx.AsyncClient) -> None:
    answers = await asyncio.gather(*(client.get("/my.ics") for _ in range(10)))
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    assert builds == ["built"]


async def test_once_runs_work_once_for_concurrent_callers() -> None:
    calls = []
    gate = asyncio.Event()

    async def work() -> int:
        calls.append(1)
        await gate.wait()
        return 42

    tasks = [asyncio.create_task(http.once("k", work)) for _ in range(5)]
    await asyncio.sleep(0)
    gate.set()
    assert await asyncio.gather(*tasks) == [42] * 5
    assert calls == [1]

    async def fail() -> int:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        await http.once("k", fail)
    assert await http.once("k", work) == 42  # a failure is not remembered
