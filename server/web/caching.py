"""HTTP caching for public answers: strong ETags, 304s and a bounded in-process cache.

A public answer is a function of its inputs (the change version, the approved
organizations, the minute, the normalised query), which make its cache key; the body
is kept with a strong ETag of its bytes in a byte-bounded LRU per process. So a
revalidation (``If-None-Match``) is answered 304 without a query while the key holds,
and still 304 after the minute or the version moved on if the answer came out the same
(then it costs one query, not a transfer). A change anywhere bumps the version and so
changes every key at once; entries for old keys simply age out.

Cache-Control, decided once for the whole app:
- ``PUBLIC`` (public, max-age=60) for answers that are the same for everybody: the API
  and the htmx results fragment. An event change may take up to a minute to reach a
  client that already holds a copy; ended events drop out on the next minute anyway.
- ``REVALIDATE`` (private, no-cache) for full pages: they carry the visitor's CSRF token
  and, when signed in, their navigation, so no shared cache may keep them; the browser
  revalidates each time and mostly gets a 304.
"""

from __future__ import annotations

import hashlib
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from litestar import Request, Response
from litestar.types import Receive, Scope, Send

T = TypeVar("T")
PUBLIC_MAX_AGE_S = 60
PUBLIC = f"public, max-age={PUBLIC_MAX_AGE_S}"
REVALIDATE = "private, no-cache"


def etag(*parts: Any) -> str:
    """A strong validator for an answer fully determined by ``parts`` (their repr)."""
    return content_etag(repr(parts).encode())


def content_etag(body: bytes) -> str:
    """A strong validator of exactly these bytes."""
    return f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def matches(request: Request[Any, Any, Any], tag: str) -> bool:
    """Does ``If-None-Match`` name ``tag``? (Weak comparison, as RFC 9110 says for it.)"""
    header = request.headers.get("if-none-match")
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = tag.removeprefix("W/")
    return any(part.strip().removeprefix("W/") == bare for part in header.split(","))


def _headers(tag: str, cache_control: str, vary: str | None) -> list[tuple[str, str]]:
    headers = [("etag", tag), ("cache-control", cache_control)]
    if vary:
        headers.append(("vary", vary))
    return headers


def not_modified(tag: str, cache_control: str, vary: str | None = None) -> Response[bytes]:
    return Response(b"", status_code=304, headers=dict(_headers(tag, cache_control, vary)))


def cached_response(
    body: bytes, media_type: str, tag: str, cache_control: str, vary: str | None = None
) -> Response[bytes]:
    headers = dict(_headers(tag, cache_control, vary))
    return Response(body, media_type=media_type, headers=headers)


class RawResponse:
    """A ready-made ASGI response for handlers that return only these (annotated
    ``ASGIApp``): Litestar's Response objects would rebuild the same headers and bytes
    on every request, which costs more than answering from the cache. App-wide
    ``before_send`` hooks (security headers) still see it."""

    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> None:
        self.status = status
        self.headers = headers
        self.body = body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [*self.headers, (b"content-length", str(len(self.body)).encode())]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        # HEAD (calendar apps check a feed before subscribing): same headers, no body.
        body = b"" if scope.get("method") == "HEAD" else self.body
        await send({"type": "http.response.body", "body": body, "more_body": False})


def _raw_headers(
    tag: str, cache_control: str, vary: str | None, media_type: str | None = None
) -> list[tuple[bytes, bytes]]:
    headers = [(k.encode(), v.encode()) for k, v in _headers(tag, cache_control, vary)]
    if media_type:
        headers.append((b"content-type", media_type.encode()))
    return headers


def raw_not_modified(tag: str, cache_control: str, vary: str | None = None) -> RawResponse:
    return RawResponse(304, _raw_headers(tag, cache_control, vary))


def raw_response(
    body: bytes, media_type: str, tag: str, cache_control: str, vary: str | None = None
) -> RawResponse:
    return RawResponse(200, _raw_headers(tag, cache_control, vary, media_type), body)


# Every cache made here, so that one call empties them all (tests empty the database
# between cases; in production nothing needs it: keys carry the change version).
_every_cache: weakref.WeakSet[LRU[Any] | BodyCache] = weakref.WeakSet()


def forget_all() -> None:
    """Empty every in-process cache of public answers."""
    for each in list(_every_cache):
        each.clear()


class LRU(Generic[T]):
    """A least-recently-used map bounded by entries: the one memo of this process.

    Public answers are keyed by what they depend on, the public state (change version,
    approved organizations, minute) included, so nothing is ever invalidated by hand:
    a change makes new keys, and old entries age out.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._items: OrderedDict[Hashable, T] = OrderedDict()
        _every_cache.add(self)

    def get(self, key: Hashable) -> T | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: Hashable, value: T) -> T:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.max_entries:
            self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


@dataclass(frozen=True, slots=True)
class Cached:
    body: bytes
    tag: str  # content_etag(body)


class BodyCache:
    """An LRU of response bodies (with their ETags) bounded by total bytes and entries."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024, max_entries: int = 4096) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._items: OrderedDict[Hashable, Cached] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0
        _every_cache.add(self)

    def get(self, key: Hashable) -> Cached | None:
        entry = self._items.get(key)
        if entry is None:
            self.misses += 1
            return None
        self._items.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: Hashable, body: bytes) -> Cached:
        """Keep ``body`` under ``key`` (unless it is too big); the entry with its ETag."""
        entry = Cached(body, content_etag(body))
        if len(body) > self.max_bytes // 8:  # one huge answer must not flush the rest
            return entry
        old = self._items.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._items[key] = entry
        self._bytes += len(body)
        while self._bytes > self.max_bytes or len(self._items) > self.max_entries:
            _, dropped = self._items.popitem(last=False)
            self._bytes -= len(dropped.body)
        return entry

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size_bytes(self) -> int:
        return self._bytes
