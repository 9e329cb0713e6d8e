"""The HTTP caching helpers behind discovery: validators, the bounded body cache."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.events import search
from server.web import caching
from tests.events.test_search import add_event, approved_org


class FakeRequest:
    def __init__(self, if_none_match: str | None) -> None:
        self.headers = {"if-none-match": if_none_match} if if_none_match else {}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ('"abc"', True),
        ('W/"abc"', True),
        ('"x", "abc"', True),
        ('"x" ,W/"abc"', True),
        ('"abcd"', False),
        ("*", True),
    ],
)
def test_if_none_match(header: str | None, expected: bool) -> None:
    assert caching.matches(FakeRequest(header), '"abc"') is expected  # type: ignore[arg-type]


def test_body_cache_is_bounded_by_bytes_and_entries() -> None:
    cache = caching.BodyCache(max_bytes=1000, max_entries=3)
    for key in "abc":
        cache.put(key, b"x" * 100)
    assert cache.get("a") is not None  # now the most recently used
    cache.put("d", b"y" * 100)  # a fourth entry evicts the least recently used: "b"
    assert cache.get("b") is None and cache.get("a") is not None and len(cache) == 3
    cache.put("e", b"z" * 900)  # too big (over an eighth of the budget): not kept
    assert cache.get("e") is None
    cache.put("f", b"w" * 120)
    assert cache.size_bytes <= 1000


def test_etag_is_of_the_bytes() -> None:
    one, two = caching.BodyCache(), caching.BodyCache()
    assert one.put("k", b"same").tag == two.put("other key", b"same").tag
    assert one.put("k", b"same").tag != one.put("k", b"different").tag


async def test_revalidation_runs_no_query(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    await add_event(await approved_org(), title="Once")
    first = await client.get("/api/v1/events", params={"near": "52.52,13.40"})
    fragment = await client.get("/", headers={"HX-Request": "true", "HX-Target": "results"})

    async def no_query(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a cached answer ran the query")

    monkeypatch.setattr(search, "search", no_query)
    again = await client.get(
        "/api/v1/events",
        params={"near": "52.52,13.40"},
        headers={"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 304
    full = await client.get("/api/v1/events", params={"near": "52.52,13.40"})
    assert full.status_code == 200 and full.content == first.content
    cached = await client.get(
        "/",
        headers={
            "HX-Request": "true",
            "HX-Target": "results",
            "If-None-Match": fragment.headers["etag"],
        },
    )
    assert cached.status_code == 304
    caching.forget_all()  # the patch is live: a miss does query (and fails here)
    miss = await client.get("/api/v1/events", params={"near": "52.52,13.40"})
    assert miss.status_code == 500
