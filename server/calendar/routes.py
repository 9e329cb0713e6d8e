"""Calendar over HTTP: ``/events/{id}.ics``, ``/feeds/events.ics``, ``/feeds/orgs/{id}.ics``.

Public feeds answer from two caches (``calendar.http``): validators per (feed, public
state) — the state is the shared change version, the approved organizations and the
minute — so a revalidation is a 304 without a query; and built bytes per ETag, so a
full answer is built once per content, never per request. A bad filter answers 400
``application/problem+json`` naming the parameter, like the search API (calendar apps
show neither, but a person pasting the link can read it); a campaign or organization
that is not public answers 404.

Litestar matches a path parameter against a whole segment, and ``/events/{id:uuid}``
(the event page) owns ``/events/<anything>``: ``with_event_ics_paths`` wraps the app
and serves ``/events/<uuid>.ics`` from ``/events/<uuid>/calendar.ics``.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated, Any, cast
from urllib.parse import urlencode

from litestar import Request, get, route
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.middleware.allowed_hosts import AllowedHostsMiddleware
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, PathParameter, QueryParameter
from litestar.types import ASGIApp, HTTPScope, Receive, Scope, Send

from server import i18n
from server.calendar import feeds, http
from server.calendar.ics import build_calendar
from server.errors import NotFound, ValidationFailed
from server.events import search
from server.events import service as events
from server.events.views import member_event, public_event
from server.i18n import N_
from server.web import caching, urls
from server.web.auth import current_organizer
from server.web.errors import PROBLEM_JSON, bad_query

# Public feeds need no session and set no CSRF cookie (calendar apps keep no cookies).
PUBLIC_GET = {"skip_session": True, "exclude_from_csrf": True}
NO_STORE = "no-store"
FEED_DISPOSITION = 'inline; filename="muster-events.ics"'
MAX_KEYS = 10_000
LANG_DESCRIPTION = "The language of Muster's own texts in it: " + ", ".join(i18n.LANGUAGES)
# Parsed filters by their text: checking them costs more than answering a 304.
_keys: dict[tuple[str | None, ...], feeds.FeedKey] = {}
# Feeds by their exact (path, query string), as the handlers saw them.
_by_url: dict[tuple[str, bytes], feeds.FeedKey] = {}
_FEED_RESPONSES = {
    200: ResponseSpec(str, description="The calendar (RFC 5545)", media_type="text/calendar"),
    304: ResponseSpec(None, description="Not modified (If-None-Match / If-Modified-Since)"),
    404: ResponseSpec(None, description="No such public organization or campaign"),
}


def clock() -> float:
    """Now, in seconds (tests move it)."""
    return time.time()


def _remember(request: Request[Any, Any, Any], key: feeds.FeedKey) -> None:
    """Note which feed this exact URL is, for revalidations before routing."""
    if len(_by_url) >= MAX_KEYS:
        _by_url.clear()
    _by_url[(request.scope["path"], request.scope["query_string"])] = key


async def public_feed(request: Request[Any, Any, Any], key: feeds.FeedKey) -> ASGIApp:
    """A public feed: 304 from the validators, else the cached or freshly built bytes."""
    state = await search.public_state(clock())
    base_url = urls.base_url(request)
    state_key = (key, base_url, state.key())
    feed: feeds.Feed | None = None

    async def prepare() -> feeds.Feed:
        return await http.once(
            ("feed", state_key), lambda: feeds.public_feed(key, base_url, state.now)
        )

    validator = http.validators.get(state_key)
    if validator is None:
        feed = await prepare()
        seen = await http.first_seen(request, feed.tag, feed.last_change)
        validator = http.Validator(feed.tag, seen)
        http.validators.put(state_key, validator)
    coded = http.wants_gzip(request.scope["headers"])
    if http.is_fresh(request.scope["headers"], validator):
        return http.not_modified(validator, http.PUBLIC, coded=coded)
    entry = http.bodies.get(validator.tag)
    if entry is not None:
        body = entry.body
    else:
        if feed is None:
            feed = await prepare()
        calendar = feed.calendar
        # Off the event loop: a feed of events never built before costs ~1 ms each.
        body = await http.once(
            ("build", validator.tag), lambda: asyncio.to_thread(build_calendar, calendar)
        )
        http.bodies.put(validator.tag, body)
    if coded:
        body = await http.gzipped(validator.tag, body)
    return http.calendar_response(body, validator, http.PUBLIC, FEED_DISPOSITION, coded=coded)


@route(
    "/feeds/events.ics",
    http_method=http.FEED_METHODS,
    tags=["calendar"],
    opt=PUBLIC_GET,
    summary="Subscribe to public events: all, near a point, of a campaign or organization",
    responses={
        **_FEED_RESPONSES,
        400: ResponseSpec(
            None, description="A filter is malformed; `errors` names it", media_type=PROBLEM_JSON
        ),
    },
)
async def events_feed(
    request: Request[Any, Any, Any],
    near: Annotated[
        str | None, QueryParameter(description="Events around `LAT,LON` (decimal degrees)")
    ] = None,
    radius_km: Annotated[
        str | None, QueryParameter(description="With `near`: how far, in km (1 to 500, default 25)")
    ] = None,
    campaign: Annotated[str | None, QueryParameter(description="Campaign id")] = None,
    org: Annotated[str | None, QueryParameter(description="Organization id")] = None,
    lang: Annotated[str | None, QueryParameter(description=LANG_DESCRIPTION)] = None,
) -> ASGIApp:
    """Public events of approved organizations, as an iCalendar feed for calendar apps:
    up to 1,000 upcoming ones, those that ended in the last 30 days, and those cancelled
    in the last 30 days (STATUS:CANCELLED). Send `If-None-Match`: unchanged is a 304."""
    raw = (near, radius_km, campaign, org, lang)
    key = _keys.get(raw)
    if key is None:
        try:
            key = feeds.events_feed_key(near, radius_km, campaign, org, lang)
        except ValidationFailed as exc:
            return bad_query(exc.errors)
        if len(_keys) >= MAX_KEYS:  # subscribers' points vary: keep the memo bounded
            _keys.clear()
        _keys[raw] = key
    _remember(request, key)
    return await public_feed(request, key)


@route(
    "/feeds/orgs/{org_file:str}",
    http_method=http.FEED_METHODS,
    tags=["calendar"],
    opt=PUBLIC_GET,
    summary="Subscribe to an organization's public events (`/feeds/orgs/{org_id}.ics`)",
    responses=_FEED_RESPONSES,
)
async def organization_feed(
    request: Request[Any, Any, Any],
    org_file: Annotated[str, PathParameter(description="`{org_id}.ics`")],
    lang: Annotated[str | None, QueryParameter(description=LANG_DESCRIPTION)] = None,
) -> ASGIApp:
    """The public events of one approved organization, like `/feeds/events.ics?org=`."""
    org_id, suffix = org_file[:-4], org_file[-4:]
    try:
        parsed = uuid.UUID(org_id)
    except ValueError:
        raise NotFound(N_("No such organization")) from None
    if suffix != ".ics":
        raise NotFound(N_("No such organization"))
    key = feeds.org_feed_key(parsed, lang)
    _remember(request, key)
    return await public_feed(request, key)


@route(
    "/events/{event_id:uuid}/calendar.ics",
    http_method=http.FEED_METHODS,
    include_in_schema=False,
    opt={"exclude_from_csrf": True},
)
async def event_file(request: Request[Any, Any, Any], event_id: FromPath[uuid.UUID]) -> ASGIApp:
    """One event with a reminder, for whoever may see it (members also see drafts and the
    hidden address; everyone else the public view, city only).

    Anonymous readers of a listed event all get the same file: it is kept per (event,
    site, public state), like the event page, so a revalidation or a repeat download
    runs no query. The state moves on with every event change and approval, and every
    minute (a cancelled or ended event is never served from an old copy for longer).
    """
    viewer = await current_organizer(request)
    base_url = urls.base_url(request)
    key: tuple[Any, ...] | None = None
    if viewer is None:
        state = await search.public_state(clock())
        key = ("event-file", event_id, base_url, state.key(), i18n.current.get())
        cached = _event_files.get(key)
        if cached is not None:
            return _event_answer(request, *cached, http.PUBLIC)
    found = await events.visible_event(viewer, event_id)
    row = found.row
    view = member_event(row, base_url) if found.is_member else public_event(row, base_url)
    listed = row["visibility"] == "public" and events.is_public(row)
    validator = http.Validator(feeds.event_tag(view, base_url, found.is_member), view.updated_at)
    body = build_calendar(feeds.event_calendar(view, base_url))
    attachment = http.disposition("attachment", feeds.filename(view.title), view.title)
    # Only what everybody may see goes to shared caches (as on the event page).
    if key is not None and listed:
        _event_files.put(key, (validator, body, attachment))
        return _event_answer(request, validator, body, attachment, http.PUBLIC)
    return _event_answer(request, validator, body, attachment, NO_STORE)


# Public event files by (event, site, public state), with what their answer needs.
_event_files: caching.LRU[tuple[http.Validator, bytes, str]] = caching.LRU(4096)


def _event_answer(
    request: Request[Any, Any, Any],
    validator: http.Validator,
    body: bytes,
    attachment: str,
    cache_control: str,
) -> ASGIApp:
    if http.is_fresh(request.scope["headers"], validator):
        return http.not_modified(validator, cache_control)
    return http.calendar_response(body, validator, cache_control, attachment)


GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r"
# Our own feeds only: the redirect never takes a visitor anywhere a link could choose.
_OWN_FEED = re.compile(
    r"/(?:feeds/events\.ics(?:\?[A-Za-z0-9_.,=&%-]{0,300})?"
    r"|(?:feeds/orgs|events)/[0-9a-fA-F-]{36}\.ics(?:\?lang=[a-z]{2,3})?)"
)


@get("/calendar/google", include_in_schema=False, opt=PUBLIC_GET)
async def google_subscribe(
    request: Request[Any, Any, Any], feed: Annotated[str, QueryParameter()] = ""
) -> ASGIApp:
    """ "Subscribe in Google Calendar": a redirect to Google with our feed's webcal URL as
    ``cid``. Through here, so pages link only to our origin (the volunteer follows it)."""
    if not _OWN_FEED.fullmatch(feed):
        raise NotFound(N_("No such feed"))
    webcal = "webcal://" + urls.base_url(request).split("://", 1)[1] + feed
    location = f"{GOOGLE_SUBSCRIBE}?{urlencode({'cid': webcal})}"
    headers = [(b"location", location.encode()), (b"cache-control", b"public, max-age=86400")]
    return caching.RawResponse(303, headers)


_EVENT_FILE = re.compile(r"/events/([0-9a-fA-F-]{32,36})\.ics")


async def _from_cache(scope: Scope, receive: Receive, send: Send) -> bool:
    """Answer a feed from the caches before routing, when its validator is known.

    Calendar apps poll feeds for years, mostly to hear "not modified": answering here
    skips Litestar's routing, middleware and parameter parsing for a 304 and for a full
    answer already built (the app's ``before_send`` hooks, security headers included,
    still run: ``send`` is the app's). Anything else — a feed not built yet, a URL the
    routes have not seen, a new state, an error — goes to the routes as usual.

    Decision (issue 13 asked for it inside Litestar's stack): measured with ``make bench``
    on one machine, a feed 304 here is ~100% of a hello-world; as the feed routes'
    ``before_request`` hook 55%, and as the first app middleware behind Litestar's own
    allowed-hosts middleware 74 to 80% (full answers 58% against 96%). So it stays before
    routing and asks Litestar's allowed-hosts rule itself (``host_matcher``).
    """
    try:
        answer = await _cached_answer(scope)
    except Exception:  # the routes will answer (and log) it properly
        return False
    if answer is None:
        return False
    await answer(scope, receive, send)
    return True


async def _cached_answer(scope: Scope) -> ASGIApp | None:
    key = _by_url.get((scope["path"], scope["query_string"]))
    if key is None:
        return None
    state = await search.public_state(clock())
    base_url = str(scope["app"].state.settings.base_url)
    validator = http.validators.get((key, base_url, state.key()))
    if validator is None:
        return None
    headers = scope["headers"]
    coded = http.wants_gzip(headers)
    if http.is_fresh(headers, validator):
        return http.not_modified(validator, http.PUBLIC, coded=coded)
    entry = http.bodies.get(("gzip", validator.tag) if coded else validator.tag)
    if entry is None:
        return None
    return http.calendar_response(entry.body, validator, http.PUBLIC, FEED_DISPOSITION, coded=coded)


def host_matcher(
    config: AllowedHostsConfig | Sequence[str] | None,
) -> Callable[[Scope], bool]:
    """Litestar's own allowed-hosts rule (its middleware compiles it), for the fast path:
    Litestar applies it per route, so an answer given before routing must ask itself.
    ``config`` is ``Litestar.allowed_hosts``: a config, or an empty list for none."""
    if not isinstance(config, AllowedHostsConfig):
        if not config:
            return lambda scope: True
        config = AllowedHostsConfig(allowed_hosts=list(config))
    pattern = AllowedHostsMiddleware(app=_unused, config=config).allowed_hosts_regex
    if pattern is None:  # "*"
        return lambda scope: True

    def allowed(scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"host":
                return pattern.fullmatch(value.decode("latin-1")) is not None
        return False

    return allowed


async def _unused(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover
    raise AssertionError("only the middleware's host rule is used")


def with_calendar_paths(app: ASGIApp, allowed_host: Callable[[Scope], bool]) -> ASGIApp:
    """Wrap the app: serve ``/events/<id>.ics`` (the public contract) from
    ``/events/<id>/calendar.ics``, and answer feeds from their caches before routing.

    The fast path answers only for an allowed host (``allowed_host``), and anything it
    cannot answer, or that fails before it has sent a byte, goes to the routes, whose
    middleware and exception handlers then apply as to any request."""

    async def serve(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path.startswith("/feeds/"):
                is_get = cast(HTTPScope, scope)["method"] == "GET"
                if is_get and allowed_host(scope) and await _from_cache(scope, receive, send):
                    return
            elif path.endswith(".ics") and (match := _EVENT_FILE.fullmatch(path)):
                target = f"/events/{match[1]}/calendar.ics"
                scope = cast(Scope, {**scope, "path": target, "raw_path": target.encode()})
        await app(scope, receive, send)

    return serve


ROUTES: list[Any] = [events_feed, organization_feed, event_file, google_subscribe]
