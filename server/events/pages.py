"""Event pages: the public event page and the organizer's list, form and status actions.

Forms post back to their own URL: bad input shows the form again with status 422,
inline errors and the organizer's input kept; success answers 303. Forms carry
``hx-boost="false"``, like the accounts pages: plain form posts that work without
JavaScript, and a 409 (cancelling a draft) shows its page instead of being dropped.
"""

from __future__ import annotations

from functools import cache
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie
from litestar.middleware.csrf import generate_csrf_token
from litestar.params import FromPath
from litestar.utils.scope.state import ScopeState

from server import i18n
from server.accounts import service as accounts
from server.accounts.pages import OrganizerController, see_other
from server.accounts.service import OrganizerView
from server.errors import Conflict
from server.events import forms, search, service, translation_pages, translations, validation
from server.events.form_page import render_form
from server.events.schemas import CampaignInput
from server.events.views import description_html, member_event, public_event
from server.geo import gazetteer
from server.geo.country_names import country_name
from server.settings import Settings
from server.web import caching, urls
from server.web.auth import SignedIn, current_organizer
from server.web.forms import submit, text_values
from server.web.security import csrf_config
from server.web.templates import app_settings, jinja, render, render_page

HTML = "text/html; charset=utf-8"

# Anonymous readers of a listed event all get the same bytes (no CSRF token, no
# navigation of their own): any cache may keep them, but must ask again before each use
# ("no-cache"), so an event made private or moved is never shown from a copy. Members
# and signed-in organizers get another page from the same URL (the session cookie).
PUBLIC_CACHE = "public, no-cache"
PUBLIC_VARY = "Cookie, HX-Request, Accept-Language"  # 304s say it too
PAGE = "pages/events/event.html"
# The public page by (event, site, public state): a revalidation is a 304 without a query.
# The state (change version, approved organizations, minute) moves on with every event
# or campaign change and every approval; organization names within the minute.
_public_pages = caching.BodyCache(max_bytes=16 * 1024 * 1024, max_entries=4096)


def forget() -> None:
    """Empty the cache (tests)."""
    _public_pages.clear()


@cache
def _csrf(settings: Settings) -> CSRFConfig:
    return csrf_config(settings)


def page_csrf(request: Request[Any, Any, Any]) -> Cookie | None:
    """The visitor's CSRF token for this page's forms; the cookie to set if it is new.

    The route skips the CSRF middleware so that anonymous readers get no token and no
    cookie; a signed-in viewer's page has forms (sign out, publish, cancel), so it gets
    the token here, exactly as the middleware would have made it.
    """
    config = _csrf(app_settings(request))
    token = request.cookies.get(config.cookie_name)
    cookie = None
    if not token:
        token = generate_csrf_token(secret=config.secret)
        cookie = Cookie(
            key=config.cookie_name,
            value=token,
            path=config.cookie_path,
            secure=config.cookie_secure,
            httponly=config.cookie_httponly,
            samesite=config.cookie_samesite,
            domain=config.cookie_domain,
        )
    ScopeState.from_scope(request.scope).csrf_token = token
    return cookie


def _context(request: Request[Any, Any, Any], found: service.VisibleEvent) -> dict[str, Any]:
    row = found.row
    base_url = urls.base_url(request)
    event = member_event(row, base_url) if found.is_member else public_event(row, base_url)
    return {
        "event": event,
        "description": description_html(event.description, event.description_format),
        "is_member": found.is_member,
        "can_edit": found.can_edit,
        "org_approved": row["organization_approved_at"] is not None,
        "country_name": country_name(event.country) if event.country else "",
    }


async def _visible(viewer: OrganizerView | None, event_id: UUID) -> service.VisibleEvent:
    """The event as ``viewer`` may see it; with its translations unless they are a member
    (members read what they wrote, and translate it on the edit page)."""
    found = await service.visible_event(viewer, event_id)
    if not found.is_member:
        await translations.attach([found.row])
    return found


def _listed(row: dict[str, Any]) -> bool:
    return bool(row["visibility"] == "public" and service.is_public(row))


def _public_answer(request: Request[Any, Any, Any], entry: caching.Cached) -> Response[bytes]:
    if caching.matches(request, entry.tag):
        return caching.not_modified(entry.tag, PUBLIC_CACHE, PUBLIC_VARY)
    return caching.cached_response(entry.body, HTML, entry.tag, PUBLIC_CACHE, PUBLIC_VARY)


@get("/events/{event_id:uuid}", include_in_schema=False, opt={"exclude_from_csrf": True})
async def event_page(request: Request[Any, Any, Any], event_id: FromPath[UUID]) -> Response[Any]:
    """The event as its viewer may see it (invariants 1 and 2); 404 when not visible.

    Anonymous readers of a listed event get the public page with a strong ETag (of its
    bytes) and a 304 for a match. Everybody else gets a fresh ``no-store`` page and
    never a 304: a member's page shows drafts and the hidden address.
    """
    viewer = await current_organizer(request)
    if viewer is None:
        state = await search.public_state()
        key = ("event-page", event_id, urls.base_url(request), state.key(), i18n.current.get())
        entry = _public_pages.get(key)
        if entry is not None:
            return _public_answer(request, entry)
        found = await _visible(None, event_id)
        if _listed(found.row):
            # Rendered without a token: forms come with their own (the RSVP fragment).
            context = {"request": request, "viewer": None, "csrf_token": lambda: ""}
            context.update(_context(request, found))
            body = jinja(request).get_template(PAGE).render(context).encode()
            return _public_answer(request, _public_pages.put(key, body))
        # Unlisted: anyone with the link, but kept out of caches and search engines.
        return render(
            request,
            PAGE,
            {"viewer": None, **_context(request, found)},
            private=True,
            headers={"X-Robots-Tag": "noindex"},
        )
    found = await _visible(viewer, event_id)
    cookie = page_csrf(request)
    # A signed-in page carries the organizer's navigation, a member's page the hidden
    # address: no-store (invariant 5), whatever validator the request sends.
    response = render(
        request,
        PAGE,
        {"viewer": viewer, **_context(request, found)},
        private=True,
        headers={} if _listed(found.row) else {"X-Robots-Tag": "noindex"},
    )
    if cookie is not None:
        response.cookies.append(cookie)
    return response


async def _form_values(request: Request[Any, Any, Any]) -> dict[str, str]:
    # The form itself: reminders come as several values of one field (checkboxes).
    return forms.form_values(await request.form())


class OrganizerEventPages(OrganizerController):
    """An organization's events and campaigns, the event form, publish/cancel/duplicate."""

    path = "/organizer"

    @get("/orgs/{org_id:uuid}/events")
    async def events(
        self, request: Request[Any, Any, Any], viewer: SignedIn, org_id: FromPath[UUID]
    ) -> Response[Any]:
        return await self._events(request, viewer, org_id)

    async def _events(
        self,
        request: Request[Any, Any, Any],
        viewer: OrganizerView,
        org_id: UUID,
        **context: Any,
    ) -> Response[Any]:
        org = await accounts.member_organization(viewer, org_id)
        role = org.role
        rows = await service.organization_events(viewer, org_id)
        campaigns = await service.campaigns_of(viewer, org_id)
        return render_page(
            request,
            "events/list.html",
            viewer,
            org=org,
            role=role,
            can_edit=role in ("organizer", "owner"),
            events=rows,
            campaigns=campaigns,
            **context,
        )

    @post("/orgs/{org_id:uuid}/campaigns")
    async def create_campaign(
        self, request: Request[Any, Any, Any], viewer: SignedIn, org_id: FromPath[UUID]
    ) -> Response[Any]:
        form = await request.form()
        values = text_values(form, ("title", "description", "language"))
        return await submit(
            lambda: service.create_campaign(
                viewer,
                org_id,
                CampaignInput(
                    title=values["title"],
                    description=values["description"],
                    language=values["language"] or None,
                ),
            ),
            done=lambda _: see_other(f"/organizer/orgs/{org_id}/events"),
            invalid=lambda errors: self._events(
                request, viewer, org_id, errors=errors, values=values
            ),
        )

    @get("/orgs/{org_id:uuid}/events/new")
    async def new_form(
        self, request: Request[Any, Any, Any], viewer: SignedIn, org_id: FromPath[UUID]
    ) -> Response[Any]:
        await accounts.require_role(viewer, org_id, "organizer")
        values = forms.form_values(
            {
                **forms.OPTION_DEFAULTS,  # as the API's: a waitlist, a day and two hours
                "visibility": "public",
                "address_visibility": "public",
                "language": i18n.current.get(),
                "discreet": "auto",  # neutral subjects when the address is hidden
            }
        )
        action = f"/organizer/orgs/{org_id}/events/new"
        return await render_form(request, viewer, org_id, action=action, values=values)

    @post("/orgs/{org_id:uuid}/events/new")
    async def create(
        self, request: Request[Any, Any, Any], viewer: SignedIn, org_id: FromPath[UUID]
    ) -> Response[Any]:
        await accounts.require_role(viewer, org_id, "organizer")
        values = await _form_values(request)
        action = f"/organizer/orgs/{org_id}/events/new"
        data, errors = forms.parse_event_form(values)
        forms.check_past_start(values, data.starts_at, errors, previous=None)
        return await submit(
            lambda: service.create_event(viewer, org_id, data),
            done=lambda row: see_other(f"/events/{row['id']}"),
            invalid=lambda errors: render_form(
                request, viewer, org_id, action=action, values=values, errors=errors
            ),
            errors=errors,
            check=lambda: validation.validated(data, org_id),
        )

    @get("/events/{event_id:uuid}/edit")
    async def edit_form(
        self, request: Request[Any, Any, Any], viewer: SignedIn, event_id: FromPath[UUID]
    ) -> Response[Any]:
        row = await service.event_for_member(viewer, event_id, "organizer")
        return await render_form(
            request,
            viewer,
            row["organization"],
            action=f"/organizer/events/{event_id}/edit",
            values=forms.values_from_row(row),
            event=row,
        )

    @post("/events/{event_id:uuid}/edit")
    async def update(
        self, request: Request[Any, Any, Any], viewer: SignedIn, event_id: FromPath[UUID]
    ) -> Response[Any]:
        row = await service.event_for_member(viewer, event_id, "organizer")
        values = await _form_values(request)
        submitted = dict(values)
        if forms.moved_without_new_point(values, row):
            # A new city with the old coordinates (and zone) would put the event in the
            # wrong place: take the new city's instead.
            values["lat"] = values["lon"] = ""
            if values["timezone"] == row["timezone"] and gazetteer.timezone_for(
                values["city"], values["country"] or None
            ):
                values["timezone"] = ""
        data, errors = forms.parse_event_form(values)
        forms.check_past_start(values, data.starts_at, errors, previous=row["starts_at"])
        submitted["past_ok"] = values["past_ok"]
        return await submit(
            lambda: service.update_event(viewer, event_id, data),
            done=lambda _: see_other(f"/events/{event_id}"),
            invalid=lambda errors: render_form(
                request,
                viewer,
                row["organization"],
                action=f"/organizer/events/{event_id}/edit",
                values=submitted,
                event=row,
                errors=errors,
            ),
            errors=errors,
            check=lambda: validation.validated(data, row["organization"]),
        )

    @post("/events/{event_id:uuid}/publish")
    async def publish(
        self, request: Request[Any, Any, Any], viewer: SignedIn, event_id: FromPath[UUID]
    ) -> Response[Any]:
        await service.publish_event(viewer, event_id)
        return see_other(f"/events/{event_id}")

    @get("/events/{event_id:uuid}/cancel")
    async def confirm_cancel(
        self, request: Request[Any, Any, Any], viewer: SignedIn, event_id: FromPath[UUID]
    ) -> Response[Any]:
        """A confirmation step: cancelling tells every volunteer's calendar."""
        row = await service.event_for_member(viewer, event_id, "organizer")
        return render_page(request, "events/cancel.html", viewer, event=row)

    @post("/events/{event_id:uuid}/cancel")
    async def cancel(
        self, request: Request[Any, Any, Any], viewer: SignedIn, event_id: FromPath[UUID]
    ) -> Response[Any]:
        try:
            await service.cancel_event(viewer, event_id)
        except Conflict as exc:
            row = await service.event_for_member(viewer, event_id, "organizer")
            return render_page(
                request,
                "events/cancel.html",
                viewer,
                status_code=409,
                event=row,
                problem=exc.detail,
            )
        return see_other(f"/events/{event_id}")

    @post("/events/{event_id:uuid}/duplicate")
    async def duplicate(
        self, request: Request[Any, Any, Any], viewer: SignedIn, event_id: FromPath[UUID]
    ) -> Response[Any]:
        copy = await service.duplicate_event(viewer, event_id)
        return see_other(f"/organizer/events/{copy['id']}/edit")


ROUTES: list[Any] = [event_page, OrganizerEventPages, *translation_pages.ROUTES]
