"""Public discovery over HTTP: the home page, ``GET /api/v1/events`` and ``/api/v1/places``.

Every answer here is public and cacheable (see ``server.web.caching`` for the policy):
the API body, the results fragment and the page's content are cached per (change
version, approved organizations, minute, query) with a strong ETag of their bytes, so
a revalidation is a 304 without a query. The page around the content (navigation, CSRF
token) is per visitor: ``private, no-cache`` with an ETag that also covers the session
and the token; it is rendered once per content and viewer with a stand-in for the token,
which each request fills in. Public API reads skip the session and CSRF middlewares.
Place names are looked up in the offline gazetteer; "near me" arrives rounded to ~1 km.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import uuid
from typing import Annotated, Any

import msgspec
from litestar import MediaType, Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.template.base import csrf_token
from litestar.types import ASGIApp
from markupsafe import Markup

from server import i18n
from server.errors import ValidationFailed
from server.events import campaign_translations, search
from server.events.home_form import HomeForm, feed_url, raw_form, read_form
from server.events.pages import page_csrf
from server.events.query import (
    DAY_MESSAGE,
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_RADIUS_KM,
    MIN_RADIUS_KM,
    Query,
    make_query,
    parse_days,
)
from server.events.schemas import EventPage
from server.geo import gazetteer
from server.geo.distance import parse_point
from server.i18n import N_
from server.web import caching, urls
from server.web.auth import SESSION_KEY, current_organizer
from server.web.errors import PROBLEM_JSON, bad_query
from server.web.templates import jinja, relative_day

RADIUS_CHOICES = (5, 10, 25, 50, 100, 250)
PLACES_LIMIT = 10
FRAGMENT = "partials/event_list.html"
PAGE = "pages/home.html"
VARY_HTML = "HX-Request, HX-Target, Accept-Language, Cookie"  # 304s say it too
HTML = "text/html; charset=utf-8"
_TOKEN_STAND_IN = secrets.token_hex(16)

# Public API reads need no session and set no CSRF cookie (a GET changes nothing, and
# scripts keep no cookies): skipping both middlewares saves a third of a cached answer.
PUBLIC_GET = {"skip_session": True, "exclude_from_csrf": True}
_bodies = caching.BodyCache()
# The campaign filter's choices and their digest, by public state.
_campaigns: caching.LRU[tuple[list[tuple[str, str]], str]] = caching.LRU(64)  # by state, language


class PlaceOut(msgspec.Struct):
    name: str
    country: str
    country_name: str
    lat: float
    lon: float
    timezone: str


class FieldProblem(msgspec.Struct):
    field: str
    message: str


class SearchProblem(msgspec.Struct):
    """RFC 9457 problem details; ``errors`` names each query parameter that was wrong."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldProblem] | None = None


# --- API ------------------------------------------------------------------------------------


@get(
    "/api/v1/events",
    tags=["events"],
    opt=PUBLIC_GET,
    summary="Find public events, soonest first or nearest first",
    responses={
        200: ResponseSpec(
            EventPage, description="One page of listed events", generate_examples=False
        ),
        304: ResponseSpec(None, description="Not modified (If-None-Match)"),
        400: ResponseSpec(
            SearchProblem,
            description="A query parameter is malformed or out of range; `errors` names it",
            media_type=PROBLEM_JSON,
            generate_examples=False,
        ),
    },
)
async def list_events(
    request: Request[Any, Any, Any],
    near: Annotated[
        str | None,
        QueryParameter(description="Search around `LAT,LON` (decimal degrees), nearest first"),
    ] = None,
    radius_km: Annotated[
        float | None,
        QueryParameter(
            description="With `near`: how far, in km (default 25)",
            ge=MIN_RADIUS_KM,
            le=MAX_RADIUS_KM,
        ),
    ] = None,
    date_from: Annotated[
        str | None,
        QueryParameter(
            name="from", format="date", description="Events on or after this day (their zone)"
        ),
    ] = None,
    date_to: Annotated[
        str | None,
        QueryParameter(
            name="to", format="date", description="Events on or before this day (their zone)"
        ),
    ] = None,
    campaign: Annotated[uuid.UUID | None, QueryParameter(description="Campaign id")] = None,
    org: Annotated[uuid.UUID | None, QueryParameter(description="Organization id")] = None,
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, QueryParameter(ge=1, le=MAX_PER_PAGE)] = 20,
) -> ASGIApp:
    """Published public events of approved organizations that have not ended, soonest
    first; with `near`, those within `radius_km`, nearest first, each with `distance_km`.
    An event whose address is shown to attendees only is found by, and shows, its
    ~1 km-rounded point and city. Cached until an event changes: send `If-None-Match`."""
    errors: dict[str, str] = {}
    point = parse_point(near) if near is not None else None
    if near is not None and point is None:
        errors["near"] = N_("Give the point as latitude,longitude, like 52.52,13.40.")
    days, wrong = parse_days(**{"from": date_from, "to": date_to})
    errors.update(dict.fromkeys(wrong, DAY_MESSAGE))
    if errors:
        return bad_query(errors)
    try:
        q = make_query(point, radius_km, days["from"], days["to"], campaign, org, page, per_page)
    except ValidationFailed as exc:
        return bad_query(exc.errors)
    state = await search.public_state()
    base_url = urls.base_url(request)
    key = ("api", base_url, state.key(), q)
    entry = _bodies.get(key)
    if entry is None:
        entry = _bodies.put(key, msgspec.json.encode(await search.search(q, state, base_url)))
    if caching.matches(request, entry.tag):
        return caching.raw_not_modified(entry.tag, caching.PUBLIC)
    return caching.raw_response(entry.body, MediaType.JSON, entry.tag, caching.PUBLIC)


@get(
    "/api/v1/places",
    tags=["events"],
    opt=PUBLIC_GET,
    summary="Look up a city by name (offline gazetteer of cities over 15,000 people)",
    responses={
        200: ResponseSpec(
            list[PlaceOut], description="Matching cities, biggest first", generate_examples=False
        ),
        400: ResponseSpec(
            SearchProblem,
            description="`q` is missing",
            media_type=PROBLEM_JSON,
            generate_examples=False,
        ),
    },
)
async def places(
    q: Annotated[
        str | None,
        QueryParameter(description='Required: a city, optionally with ", country"'),
    ] = None,
) -> ASGIApp:
    """Exact name matches (also alternate names, case and accents ignored), biggest
    first, at most 10: "Berlin" is Berlin, Germany first, never Burlington."""
    text = (q or "").strip()
    if not text or len(text) > 100:
        return bad_query({"q": N_("Give a place name of 1 to 100 characters.")})
    await _gazetteer_loaded()
    found = gazetteer.find_cities(text, limit=PLACES_LIMIT)
    body = msgspec.json.encode(
        [PlaceOut(c.name, c.country, c.country_name, c.lat, c.lon, c.timezone) for c in found]
    )
    # The gazetteer changes only with a release: a day in any cache is fine.
    headers = [(b"content-type", b"application/json"), (b"cache-control", b"public, max-age=86400")]
    return caching.RawResponse(200, headers, body)


# --- home page ------------------------------------------------------------------------------


_gazetteer_ready = False


async def _gazetteer_loaded() -> None:
    """The first place lookup builds the gazetteer's index (seconds of CPU): in a thread,
    so the event loop keeps answering everybody else meanwhile."""
    global _gazetteer_ready
    if not _gazetteer_ready:
        await asyncio.to_thread(gazetteer.countries)
        _gazetteer_ready = True


async def _listed_campaigns(state: search.PublicState) -> tuple[list[tuple[str, str]], str]:
    """The campaign filter's choices (id, title in the reader's language where translated)
    and a digest, once per state (a minute) and language."""
    reader = i18n.current.get()
    key = (state.key(), reader)
    cached = _campaigns.get(key)
    if cached is None:
        listed = await search.listed_campaigns(state)
        translated = await campaign_translations.of([c.id for c in listed])
        found = [
            (str(c.id), translated.get(c.id, {}).get(reader, (c.title, ""))[0]) for c in listed
        ]
        cached = _campaigns.put(key, (found, caching.etag(found)))
    return cached


def _render(request: Request[Any, Any, Any], name: str, context: dict[str, Any]) -> bytes:
    # ``request``: the page's own address, for the language switcher's way back.
    return jinja(request).get_template(name).render({**context, "request": request}).encode()


# Rendered result items by (change version, event, distance shown): most searches show
# events other searches showed already.
_items: caching.LRU[Markup] = caching.LRU(20_000)


def _rendered_items(
    request: Request[Any, Any, Any], state: search.PublicState, page: EventPage
) -> list[Markup]:
    item: Any = None
    rendered = []
    for event in page.items:
        # "Today"/"tomorrow" are part of the card: keyed too, so midnight moves them on.
        day = relative_day(event.starts_at, event.timezone)
        key = (state.version, event.id, event.distance_km, i18n.current.get(), day)
        html = _items.get(key)
        if html is None:
            # The fragment's macro, from the template run without a page (renders nothing).
            if item is None:
                module: Any = jinja(request).get_template(FRAGMENT).make_module({})
                item = module.item
            html = _items.put(key, Markup(item(event)))  # noqa: S704 - our autoescaped template
        rendered.append(html)
    return rendered


# Never an empty answer near a place: the nearest events further away, with distances.
FURTHER_COUNT = 5


async def _further(
    q: Query, page: EventPage, state: search.PublicState, base_url: str
) -> list[Any]:
    """Up to ``FURTHER_COUNT`` events beyond the radius (within the widest one), when the
    first page near a place came back empty."""
    if q.near is None or page.items or q.page > 1 or q.radius_km >= MAX_RADIUS_KM:
        return []
    wider = dataclasses.replace(q, radius_km=MAX_RADIUS_KM, per_page=FURTHER_COUNT)
    return list((await search.search(wider, state, base_url)).items)


def _render_block(
    request: Request[Any, Any, Any], name: str, block: str, context: dict[str, Any]
) -> bytes:
    template = jinja(request).get_template(name)
    return "".join(template.blocks[block](template.new_context(context))).encode()


@get("/", include_in_schema=False, opt={"exclude_from_csrf": True})
async def home(request: Request[Any, Any, Any]) -> ASGIApp:
    """Upcoming public events and the search form; for htmx, only the results.

    Three layers, each cached or validated on its own: the results (the same for
    everybody), the page's content (results plus the search form, also the same for
    everybody), and the page around it (navigation, CSRF token), rendered per visitor.
    """
    raw = raw_form(request)
    state = await search.public_state()
    base_url = urls.base_url(request)
    key = ("results", base_url, state.key(), raw, i18n.current.get())
    results = _bodies.get(key)
    form: HomeForm | None = None
    if results is None:
        if raw[0]:
            await _gazetteer_loaded()
        form, q = read_form(raw)
        page = await search.search(q, state, base_url)
        context = {
            "further": await _further(q, page, state, base_url),
            "page": page,
            "items": _rendered_items(request, state, page),
            "form": form,
            "near": q.near is not None,
            "radius_km": q.radius_km,
            "prev_url": form.link(q.page - 1) if q.page > 1 else None,
            "next_url": form.link(q.page + 1) if page.has_next else None,
            "feed_url": feed_url(base_url, q),
        }
        results = _bodies.put(key, _render(request, FRAGMENT, context))
    if (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-target") == "results"
    ):
        if caching.matches(request, results.tag):
            return caching.raw_not_modified(results.tag, caching.PUBLIC, VARY_HTML)
        return caching.raw_response(results.body, HTML, results.tag, caching.PUBLIC, VARY_HTML)

    campaigns, campaigns_tag = await _listed_campaigns(state)
    content_key = ("content", key, results.tag, campaigns_tag)
    content = _bodies.get(content_key)
    if content is None:
        if form is None:
            form, q = read_form(raw)
        context = {
            "form": form,
            "radius_choices": RADIUS_CHOICES,
            "radius_km": q.radius_km,
            "campaigns": campaigns,
            "results_html": Markup(results.body.decode()),  # noqa: S704 - our template's output
        }
        content = _bodies.put(content_key, _render_block(request, PAGE, "content", context))

    # The page around the content carries, when signed in, the organizer's navigation
    # and CSRF token (for "sign out"); its validator covers both. Anonymous readers get
    # neither, and so no cookie: the only forms they meet (RSVP, actions, sign-in) carry
    # their own token. The route skips the CSRF middleware, which would set one for all.
    session = request.scope.get("session")
    who = session.get(SESSION_KEY) if isinstance(session, dict) else None
    cookie = page_csrf(request) if who else None
    csrf = csrf_token({"request": request}) if who else ""
    tag = caching.etag(content.tag, who, csrf)
    if caching.matches(request, tag):
        return caching.raw_not_modified(tag, caching.REVALIDATE, VARY_HTML)
    # The whole page is rendered once per content and viewer with a stand-in for the
    # token (random per process, so no content can contain it) and the token put in here.
    shell_key = ("page", content_key, who)
    shell = _bodies.get(shell_key)
    if shell is None:
        context = {
            "viewer": await current_organizer(request) if who else None,
            "content_html": Markup(content.body.decode()),  # noqa: S704 - our template's output
            "csrf_token": lambda: _TOKEN_STAND_IN,
        }
        shell = _bodies.put(shell_key, _render(request, PAGE, context))
    body = shell.body.replace(_TOKEN_STAND_IN.encode(), csrf.encode())
    response = caching.raw_response(body, HTML, tag, caching.REVALIDATE, VARY_HTML)
    if cookie is not None:
        response.headers.append(cookie.to_encoded_header())
    return response


ROUTES: list[Any] = [home, list_events, places]
