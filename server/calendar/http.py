"""Serving calendars over HTTP: validators, 304s and the caches of built feeds.

For signups' personal feed (and any later feed) use ``feed_response``::

    from server.calendar import feeds
    from server.calendar.http import feed_response
    from server.calendar.ics import IcsCalendar

    async def build() -> IcsCalendar:  # called only when the bytes are not cached
        items = tuple(
            # member_event (exact address) only for `going` signups, else public_event
            feeds.ics_event(view, alarm_before=feeds.REMINDER) for view in my_views
        )
        return IcsCalendar(name="Muster: my signups", host=feeds.uid_host(base_url),
                           uid=f"my-signups-{volunteer_id}", refresh=feeds.REFRESH,
                           events=items)

    return await feed_response(
        request,
        key=("my-signups", volunteer_id, events_version, signups_version),
        build=build,
        private=True,
        filename="my-signups.ics",
    )

``key`` must change whenever the feed's content may (include every version it depends
on); it is never shown. Equal keys answer the same bytes: a revalidation
(``If-None-Match``, or ``If-Modified-Since`` alone) is a 304 without calling ``build``,
and a full answer is built once per key and then served from a bounded in-process
cache. Check the secret link *before* calling it (a revoked link must 404, not 304).

Headers: a strong ETag, Last-Modified, ``Content-Type: text/calendar; charset=utf-8``
(no Accept negotiation: Google's fetcher sends none) and ``Cache-Control`` —
``public, max-age=300`` for public feeds, ``private, max-age=300`` for personal ones.
Clients that accept gzip (calendar apps' fetchers do) get it, compressed once per
content, with its own strong ETag (``…-gz"``) and ``Vary: Accept-Encoding``.

Last-Modified is the first time any instance served that ETag (kept in the app's
``response_cache`` store, shared through Redis when configured), never earlier than
the feed's latest event change. A feed also changes when an event leaves it, which no
remaining row remembers; "first seen" still moves then, so If-Modified-Since never
answers 304 for content the client has not got.
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Awaitable, Callable, Hashable, Iterable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote

from litestar import Request
from litestar.enums import HttpMethod
from litestar.types import ASGIApp

from server.calendar.ics import IcsCalendar, build_calendar
from server.web import caching, urls

MEDIA_TYPE = "text/calendar; charset=utf-8"
MAX_AGE_S = 300
PUBLIC = f"public, max-age={MAX_AGE_S}"
PRIVATE = f"private, max-age={MAX_AGE_S}"
SEEN_TTL_S = 400 * 24 * 3600  # longer than any calendar app leaves a feed unpolled
STORE = "response_cache"
VARY = (b"vary", b"accept-encoding")
GZIP_LEVEL = 6

T = TypeVar("T")

# Built feeds by ETag (a strong validator of their bytes): bounded by total bytes.
bodies = caching.BodyCache(max_bytes=64 * 1024 * 1024, max_entries=2048)


# Feeds answer HEAD too: calendar apps check a URL that way before subscribing.
FEED_METHODS = [HttpMethod.GET, HttpMethod.HEAD]


def _second(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


class Validator:
    """A strong ETag and a Last-Modified (whole seconds), with their header bytes made
    once: a 304 is then a lookup and a comparison.

    The gzip-coded answer is another representation, so it has its own strong ETag (the
    same with ``-gz``); either one revalidates.
    """

    __slots__ = ("gzip_headers", "gzip_tag", "headers", "http_date", "last_modified", "tag")

    def __init__(self, tag: str, last_modified: datetime) -> None:
        self.tag = tag
        self.gzip_tag = tag[:-1] + '-gz"'
        self.last_modified = _second(last_modified)
        self.http_date = format_datetime(self.last_modified, usegmt=True)
        modified = (b"last-modified", self.http_date.encode())
        self.headers = [(b"etag", tag.encode()), modified]
        self.gzip_headers = [(b"etag", self.gzip_tag.encode()), modified, VARY]


# Validators per feed and state, so a 304 needs no query.
validators: caching.LRU[Validator] = caching.LRU(8192)
_running: dict[Hashable, asyncio.Future[Any]] = {}
_seen_here: dict[str, datetime] = {}  # this process's copy of "first seen"


def forget() -> None:
    """Drop this process's copy of "first seen" (tests; the caches go with
    ``caching.forget_all``)."""
    _seen_here.clear()


async def once(key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` once for concurrent callers with the same key (after a change, many
    subscribers ask at once: the feed is queried and built once, not per request)."""
    running = _running.get(key)
    if running is not None:
        try:
            result: T = await asyncio.shield(running)
            return result
        except asyncio.CancelledError:
            if not running.cancelled():
                raise  # this request itself was cancelled
            # the first caller went away halfway: do the work here
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    _running[key] = future
    try:
        value = await work()
    except asyncio.CancelledError:
        future.cancel()
        raise
    except Exception as exc:
        future.set_exception(exc)
        future.exception()  # retrieved: no "never retrieved" warning when nobody waits
        raise
    else:
        future.set_result(value)
        return value
    finally:
        if _running.get(key) is future:
            del _running[key]


async def first_seen(request: Request[Any, Any, Any], tag: str, floor: datetime) -> datetime:
    """When this ETag was first served (by any instance sharing the store)."""
    seen = _seen_here.get(tag)
    if seen is not None:
        return seen
    store = request.app.stores.get(STORE)
    name = f"calendar-seen:{tag.strip(chr(34))}"
    stored = await store.get(name)
    if stored is not None:
        seen = datetime.fromisoformat(stored.decode())
    else:
        seen = _second(max(datetime.now(UTC), floor))
        await store.set(name, seen.isoformat().encode(), expires_in=SEEN_TTL_S)
    if len(_seen_here) > 50_000:
        _seen_here.clear()
    _seen_here[tag] = seen
    return seen


def _tag_listed(header: str, validator: Validator) -> bool:
    """Does an If-None-Match value name either ETag? (Weak comparison, as RFC 9110 says.)"""
    if header.strip() == "*":
        return True
    tags = (validator.tag, validator.gzip_tag)
    return any(part.strip().removeprefix("W/") in tags for part in header.split(","))


def wants_gzip(headers: Iterable[tuple[bytes, bytes]]) -> bool:
    """Does Accept-Encoding take gzip? Calendar apps' fetchers do; a feed shrinks ~10x."""
    for name, value in headers:
        if name == b"accept-encoding":
            for item in value.decode("latin-1").lower().split(","):
                coding, _, params = item.partition(";")
                if coding.strip() in ("gzip", "*"):
                    return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


async def gzipped(tag: str, body: bytes) -> bytes:
    """The gzip coding of a cached body, made once (mtime 0: the same bytes every time)."""
    key = ("gzip", tag)
    entry = bodies.get(key)
    if entry is not None:
        return entry.body

    async def make() -> bytes:
        return await asyncio.to_thread(gzip.compress, body, GZIP_LEVEL, mtime=0)

    zipped = await once(key, make)
    bodies.put(key, zipped)
    return zipped


def is_fresh(headers: Iterable[tuple[bytes, bytes]], validator: Validator) -> bool:
    """RFC 9110: If-None-Match decides when present; If-Modified-Since only without it.

    Reads the raw header list (``scope["headers"]``): building Litestar's Headers costs
    more than the answer.
    """
    none_match = modified_since = None
    for name, value in headers:
        if name == b"if-none-match":
            none_match = value
        elif name == b"if-modified-since":
            modified_since = value
    if none_match is not None:
        return _tag_listed(none_match.decode("latin-1"), validator)
    if modified_since is None:
        return False
    since = modified_since.decode("latin-1")
    if since == validator.http_date:
        return True
    try:
        when = parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return validator.last_modified <= when


def disposition(kind: str, name: str, title: str = "") -> str:
    """``attachment`` (a download) or ``inline``; the title's own letters in filename*."""
    value = f'{kind}; filename="{name}"'
    if title and not title.isascii():
        value += f"; filename*=UTF-8''{quote(title.replace('/', '-') + '.ics', safe='')}"
    return value


def not_modified(validator: Validator, cache_control: str, *, coded: bool = False) -> ASGIApp:
    """304 with the validators of the representation the client would get."""
    base = validator.gzip_headers if coded else [*validator.headers, VARY]
    return caching.RawResponse(304, [*base, (b"cache-control", cache_control.encode())])


def calendar_response(
    body: bytes,
    validator: Validator,
    cache_control: str,
    content_disposition: str,
    *,
    coded: bool = False,
) -> ASGIApp:
    """200 with the calendar; ``body`` is already gzip-coded when ``coded``."""
    headers = [
        *(validator.gzip_headers if coded else [*validator.headers, VARY]),
        (b"cache-control", cache_control.encode()),
        (b"content-type", MEDIA_TYPE.encode()),
        (b"content-disposition", content_disposition.encode()),
    ]
    if coded:
        headers.append((b"content-encoding", b"gzip"))
    return caching.RawResponse(200, headers, body)


async def feed_response(
    request: Request[Any, Any, Any],
    key: Hashable,
    build: Callable[[], Awaitable[IcsCalendar]],
    *,
    private: bool = True,
    filename: str = "calendar.ics",
) -> ASGIApp:
    """A feed answer for ``key`` (see the module's docstring): 304, or the cached or
    freshly built bytes, with validators and caching headers."""
    tag = caching.etag("calendar-feed", urls.base_url(request), key)
    cache_control = PRIVATE if private else PUBLIC
    epoch = datetime.fromtimestamp(0, UTC)
    validator = Validator(tag, await first_seen(request, tag, epoch))
    coded = wants_gzip(request.scope["headers"])
    if is_fresh(request.scope["headers"], validator):
        return not_modified(validator, cache_control, coded=coded)
    entry = bodies.get(tag)
    if entry is None:

        async def make() -> bytes:
            return await asyncio.to_thread(build_calendar, await build())

        body = await once(("feed", tag), make)
        bodies.put(tag, body)
    else:
        body = entry.body
    if coded:
        body = await gzipped(tag, body)
    inline = disposition("inline", filename)
    return calendar_response(body, validator, cache_control, inline, coded=coded)
