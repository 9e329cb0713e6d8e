"""The personal "my RSVPs" calendar feed: ``/feeds/me/<secret>.ics``.

- The secret carries 256 random bits; only its SHA-256 is kept in
  ``Volunteer.feed_token_hash``. It is made on demand from the "my signups" page (POST),
  and "get a new link" replaces the hash, so the old link answers 404 at once — the same
  404 as a link that never existed. The secret stays in the path (``/feeds/me/`` is
  redacted from logs, query strings are dropped), never in a query string.
- One entry per event (a volunteer may hold several shifts of one event: one UID each
  event, as in every other feed). Going / checked-in signups (not blocked) get the exact
  address (``attendee_event``); pending, waitlisted and blocked ones the public view (city
  only for hidden addresses) marked TENTATIVE; cancelled / declined ones stay for
  ``KEEP_CANCELLED`` as STATUS:CANCELLED so subscribed calendars remove them.
- Served by ``calendar.http.feed_response``: strong ETag from what decides the bytes,
  304 without building, ``Cache-Control: private``.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post, route
from litestar.params import FromPath
from litestar.types import ASGIApp

from server.accounts.pages import see_other
from server.calendar import feeds
from server.calendar.http import FEED_METHODS, feed_response
from server.calendar.ics import IcsCalendar, IcsEvent
from server.db import write_transaction
from server.errors import NotFound
from server.events import service as events
from server.events.views import attendee_event, public_event
from server.i18n import N_
from server.signups import home_links, places, service
from server.signups.rows import UNCONFIRMED
from server.signups.tables import Signup, Volunteer
from server.tokens import hash_secret, new_secret, utcnow
from server.web import caching, urls
from server.web.templates import render

SUFFIX = ".ics"
GOOGLE_SUBSCRIBE = "https://calendar.google.com/calendar/r"
NOT_VALID = N_("This calendar link is not valid (any more).")
ACTIVE = ("going", "checked_in", "pending", "waitlisted")
# Which signup of an event speaks for it: a place beats a wait beats a cancellation.
_RANK = {"going": 3, "checked_in": 3, "pending": 2, "waitlisted": 2, "cancelled": 1, "declined": 1}


# --- the secret ---------------------------------------------------------------------------


async def issue_feed_token(volunteer_id: uuid.UUID) -> str:
    """A new feed secret for the volunteer; the previous one stops working at once."""
    token = new_secret()
    async with write_transaction():
        updated = (
            await Volunteer.update({Volunteer.feed_token_hash: hash_secret(token)})
            .where(Volunteer.id == volunteer_id)
            .returning(Volunteer.id)
        )
    if not updated:
        raise NotFound(N_("No such volunteer"))
    return token


async def has_feed(volunteer_id: uuid.UUID) -> bool:
    row = (
        await Volunteer.select(Volunteer.feed_token_hash)
        .where(Volunteer.id == volunteer_id)
        .first()
    )
    return bool(row and row["feed_token_hash"])


async def volunteer_for_feed_token(token: str) -> uuid.UUID:
    """The volunteer whose feed link carries ``token``; one ``NotFound`` for unknown and
    revoked links alike (nothing to probe)."""
    if not token or len(token) > service.SECRET_MAX:
        raise NotFound(NOT_VALID)
    row = (
        await Volunteer.select(Volunteer.id)
        .where(Volunteer.feed_token_hash == hash_secret(token))
        .first()
    )
    if row is None:
        raise NotFound(NOT_VALID)
    return uuid.UUID(str(row["id"]))


# --- the feed's content -------------------------------------------------------------------


def _best(signups: list[dict[str, Any]]) -> dict[str, Any]:
    return max(signups, key=lambda s: (_RANK.get(s["status"], 0), s["updated_at"]))


async def _entries(
    volunteer_id: uuid.UUID, now: datetime
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(event row, the signup that speaks for it) for each event the feed holds."""
    signups = await Signup.select(
        Signup.id, Signup.event, Signup.status, Signup.blocked, Signup.updated_at
    ).where(
        (Signup.volunteer == volunteer_id)
        & (Signup.status != UNCONFIRMED)  # not in any calendar until confirmed
    )
    by_event: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for row in signups:
        by_event.setdefault(row["event"], []).append(row)
    entries = []
    for event_id, rows in by_event.items():
        signup = _best(rows)
        if signup["status"] not in ACTIVE and signup["updated_at"] < now - feeds.KEEP_CANCELLED:
            continue  # long gone from the volunteer's calendar
        event = await events.event_row(event_id)
        if event is None or event["status"] not in ("published", "cancelled"):
            continue
        if event["ends_at"] < now - feeds.KEEP_ENDED:
            continue
        entries.append((event, signup))
    entries.sort(key=lambda e: (e[0]["starts_at"], str(e[0]["id"])))
    return entries


def _ics(event: dict[str, Any], signup: dict[str, Any], base_url: str) -> IcsEvent:
    going = signup["status"] in places.TAKING and not signup["blocked"]
    view = attendee_event(event, base_url) if going else public_event(event, base_url)
    if signup["status"] not in ACTIVE and view.status != "cancelled":
        view.status = "cancelled"  # the volunteer's own cancellation: calendars remove it
    item = feeds.ics_event(view, alarm_before=feeds.REMINDER)
    updated = max(item.updated_at, signup["updated_at"])
    status = item.status
    if status == "published" and not going:
        status = "draft"  # TENTATIVE: waitlisted or waiting for approval
    return dataclasses.replace(item, updated_at=updated, status=status)


def _state(entries: list[tuple[dict[str, Any], dict[str, Any]]]) -> tuple[Any, ...]:
    """What decides the feed's bytes, per event: the ETag key (never shown)."""
    return tuple(
        (
            e["id"],
            e["updated_at"],
            e["sequence"],
            e["status"],
            s["id"],
            s["status"],
            bool(s["blocked"]),
            s["updated_at"],
        )
        for e, s in entries
    )


# --- routes -------------------------------------------------------------------------------


def feed_path(token: str) -> str:
    return f"/feeds/me/{token}{SUFFIX}"


@route(
    "/feeds/me/{token:str}",
    http_method=FEED_METHODS,
    include_in_schema=False,
    opt={"skip_session": True, "exclude_from_csrf": True},
)
async def personal_feed(request: Request[Any, Any, Any], token: FromPath[str]) -> ASGIApp:
    """The volunteer's RSVPs as a calendar subscription (``<secret>.ics``)."""
    if not token.endswith(SUFFIX):
        raise NotFound(NOT_VALID)
    # The link is checked before any cache: a revoked link is a 404, never a 304.
    volunteer_id = await volunteer_for_feed_token(token[: -len(SUFFIX)])
    base_url = urls.base_url(request)
    entries = await _entries(volunteer_id, utcnow())

    async def build() -> IcsCalendar:
        return IcsCalendar(
            name="Muster: " + feeds._("My RSVPs"),
            host=feeds.uid_host(base_url),
            uid=f"my-signups-{volunteer_id}",
            refresh=feeds.REFRESH,
            events=tuple(_ics(e, s, base_url) for e, s in entries),
        )

    key = ("my-signups", feeds.FORMAT, volunteer_id, _state(entries))
    return await feed_response(request, key, build, private=True, filename="my-rsvps.ics")


@get("/feeds/me/{token:str}/google", include_in_schema=False, opt={"skip_session": True})
async def personal_feed_google(request: Request[Any, Any, Any], token: FromPath[str]) -> ASGIApp:
    """ "Subscribe in Google Calendar" for the personal feed: like ``/calendar/google``, but
    the secret stays in the path (redacted from logs) and the answer is never cached."""
    await volunteer_for_feed_token(token)
    webcal = "webcal://" + urls.base_url(request).split("://", 1)[1] + feed_path(token)
    location = f"{GOOGLE_SUBSCRIBE}?{urlencode({'cid': webcal})}"
    return caching.RawResponse(
        303, [(b"location", location.encode()), (b"cache-control", b"no-store")]
    )


@post("/my/{token:str}/feed", include_in_schema=False)
async def new_feed_link(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    """Make (or replace) the feed link, then show it once: only its hash is kept."""
    volunteer_id = await home_links.volunteer_for_token(token)
    feed_token = await issue_feed_token(volunteer_id)
    return see_other(f"/my/{token}/feed/{feed_token}")


@get("/my/{token:str}/feed/{feed_token:str}", include_in_schema=False)
async def show_feed_link(
    request: Request[Any, Any, Any], token: FromPath[str], feed_token: FromPath[str]
) -> Response[Any]:
    volunteer_id = await home_links.volunteer_for_token(token)
    if await volunteer_for_feed_token(feed_token) != volunteer_id:
        raise NotFound(NOT_VALID)
    feed_url = urls.base_url(request) + feed_path(feed_token)
    return render(
        request,
        "pages/signups/my_feed.html",
        {
            "viewer": None,
            "token": token,
            "feed_url": feed_url,
            "webcal_url": "webcal://" + feed_url.split("://", 1)[1],
            "google_url": f"/feeds/me/{feed_token}/google",
        },
        private=True,
        headers={"X-Robots-Tag": "noindex"},
    )


ROUTES: list[Any] = [personal_feed, personal_feed_google, new_feed_link, show_feed_link]
