"""Volunteer pages: the RSVP block of an event, the confirmation, a signup's manage page
(``/m/<secret>``) and "my signups" (``/my/<secret>``).

The RSVP block is its own route so the event page (events feature) does not import
signups: the event page loads it with htmx and links to it for browsers without
JavaScript. With htmx the form swaps into the confirmation; without, a plain POST is
answered with a 303 to the confirmation page. Secret-link paths (/m/, /my/) are redacted
from logs (server/logging.py) and every page here is ``no-store``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from server.accounts.pages import see_other
from server.errors import ValidationFailed
from server.events.service import is_public
from server.events.views import public_event
from server.i18n import N_
from server.signups import anomalies, feed, forms, home_links, service, shifts
from server.signups.organizer_pages import ROUTES as ORGANIZER_ROUTES
from server.signups.rsvp import RsvpOutcome, clean_contact, rsvp
from server.web import urls
from server.web.auth import current_organizer
from server.web.forms import submit, text_values
from server.web.ratelimit import enforce
from server.web.templates import app_settings, render, render_page

RSVP_LIMIT_PER_MINUTE = 30
HOME_LINK_LIMIT_PER_MINUTE = 5
NOINDEX = {"X-Robots-Tag": "noindex"}


def _htmx(request: Request[Any, Any, Any]) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "boosted", False)


# --- the RSVP block ---------------------------------------------------------------------------


def _seal(
    request: Request[Any, Any, Any], event_id: UUID, status: str, position: int, moved: bool
) -> str:
    """The outcome for the confirmation URL, signed so nobody can craft a "you're going".
    ``moved``: the chosen shift was full and the RSVP is for the event without it."""
    message = f"{event_id}|{status}|{position}|{int(moved)}".encode()
    key = app_settings(request).secret_key.encode()
    mac = hmac.new(key, b"rsvp-outcome|" + message, hashlib.sha256).hexdigest()[:24]
    return f"{status}.{position}.{int(moved)}.{mac}"


def _unseal(request: Request[Any, Any, Any], event_id: UUID, sealed: str) -> tuple[str, int, bool]:
    status, position, moved, mac = ([*sealed.split(".", 3), "", "", ""])[:4]
    if (
        status not in ("going", "waitlisted", "pending", "unconfirmed", "full")
        or not position.isdigit()
        or moved not in ("0", "1")
    ):
        raise ValidationFailed({"o": N_("This confirmation link is not valid.")})
    expected = _seal(request, event_id, status, int(position), moved == "1").rsplit(".", 1)[1]
    if not hmac.compare_digest(mac, expected):
        raise ValidationFailed({"o": N_("This confirmation link is not valid.")})
    return status, int(position), moved == "1"


async def _block_context(
    request: Request[Any, Any, Any], event_id: UUID, **extra: Any
) -> dict[str, Any]:
    viewer = await current_organizer(request)
    row, places_left = await shifts.public_availability(viewer, event_id)
    return {
        "viewer": viewer,
        "event": public_event(row, urls.base_url(request)),
        "availability": places_left,
        "public": is_public(row),
        "purge_after_days": app_settings(request).purge_after_days,
        "values": {},
        "errors": {},
        **extra,
    }


def _block(request: Request[Any, Any, Any], context: dict[str, Any]) -> Response[Any]:
    return render(
        request,
        "pages/signups/rsvp.html",
        context,
        fragment="partials/signups/rsvp.html",
        private=True,  # the form carries this visitor's CSRF token
        headers=NOINDEX,
    )


@get("/events/{event_id:uuid}/rsvp", include_in_schema=False)
async def rsvp_form(request: Request[Any, Any, Any], event_id: FromPath[UUID]) -> Response[Any]:
    """The RSVP form with places left (a fragment for htmx, a page without JavaScript)."""
    return _block(request, await _block_context(request, event_id))


@post("/events/{event_id:uuid}/rsvp", include_in_schema=False)
async def rsvp_submit(request: Request[Any, Any, Any], event_id: FromPath[UUID]) -> Response[Any]:
    await enforce(request, "rsvp", limit=RSVP_LIMIT_PER_MINUTE, window_s=60)
    form = await request.form()
    values = text_values(form, forms.RSVP_FIELDS)
    data, errors = forms.parse_rsvp(values)

    def check_contact() -> None:
        """The contact fields' own errors too, when others could not be parsed."""
        _, more = clean_contact(data)
        if more:
            raise ValidationFailed(more)

    async def done(outcome: RsvpOutcome) -> Response[Any]:
        """htmx swaps in the confirmation; a plain post goes to the confirmation page."""
        if _htmx(request):
            context = await _block_context(request, event_id, outcome=_shown(outcome))
            return render(
                request,
                "partials/signups/rsvp_done.html",
                context,
                private=True,
                headers=NOINDEX,
            )
        sealed = _seal(
            request, event_id, outcome.status, outcome.position or 0, outcome.without_full_shift
        )
        return see_other(f"/events/{event_id}/rsvp/done?o={sealed}")

    async def invalid(errors: dict[str, str]) -> Response[Any]:
        return _block(
            request, await _block_context(request, event_id, values=values, errors=errors)
        )

    return await submit(
        lambda: rsvp(event_id, data, anomalies.request_network(request)),
        done=done,
        invalid=invalid,
        errors=errors,
        check=check_contact,
    )


def _shown(outcome: RsvpOutcome) -> dict[str, Any]:
    return {
        "status": outcome.status,
        "position": outcome.position,
        "without_full_shift": outcome.without_full_shift,
    }


@get("/events/{event_id:uuid}/rsvp/done", include_in_schema=False)
async def rsvp_done(
    request: Request[Any, Any, Any], event_id: FromPath[UUID], o: FromQuery[str] = ""
) -> Response[Any]:
    status, position, moved = _unseal(request, event_id, o)
    outcome = {"status": status, "position": position or None, "without_full_shift": moved}
    context = await _block_context(request, event_id, outcome=outcome)
    return render(
        request,
        "pages/signups/rsvp_done.html",
        context,
        fragment="partials/signups/rsvp_done.html",
        private=True,
        headers=NOINDEX,
    )


# --- a signup by its secret link ----------------------------------------------------------------


def _manage_page(
    request: Request[Any, Any, Any],
    found: service.SignupView,
    action: str,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    back: str = "",
    notice: str = "",
    manage_token: str = "",
) -> Response[Any]:
    return render(
        request,
        "pages/signups/manage.html",
        {
            "viewer": None,
            "signup": found,
            "action": action,
            # Only on the manage link's own page: ties the campaign's actions to this signup.
            "manage_token": manage_token,
            "errors": errors or {},
            "values": values or {},
            "back": back,
            "notice": notice,
        },
        private=True,
        headers=NOINDEX,
    )


async def _change(
    request: Request[Any, Any, Any], signup_id: UUID, action: str, back: str = ""
) -> Response[Any]:
    form = await request.form()
    values = text_values(form, ("guests", "shift_id", "change_shift"))
    guests, shift_id, errors = forms.parse_change(values)

    async def invalid(errors: dict[str, str]) -> Response[Any]:
        found = await service.view(signup_id, urls.base_url(request))
        return _manage_page(request, found, action, errors=errors, values=values, back=back)

    return await submit(
        lambda: service.change(
            signup_id,
            guests=guests,
            shift_id=shift_id,
            change_shift=values["change_shift"] == "1",
        ),
        done=lambda _: see_other(f"{action}?saved=1"),
        invalid=invalid,
        errors=errors,
    )


@get("/m/{token:str}", include_in_schema=False)
async def manage(
    request: Request[Any, Any, Any], token: FromPath[str], saved: FromQuery[str] = ""
) -> Response[Any]:
    signup_id = await service.signup_for_token(token)
    found = await service.view(signup_id, urls.base_url(request))
    notice = N_("Saved.") if saved else ""
    return _manage_page(request, found, f"/m/{token}", notice=notice, manage_token=token)


@post("/m/{token:str}", include_in_schema=False)
async def manage_change(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    signup_id = await service.signup_for_token(token)
    return await _change(request, signup_id, f"/m/{token}")


@post("/m/{token:str}/cancel", include_in_schema=False)
async def manage_cancel(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    return await _from_manage(token, service.cancel)


async def _from_manage(token: str, act: Callable[[UUID], Awaitable[object]]) -> Response[Any]:
    """Do ``act`` to the manage link's signup, then show it again."""
    await act(await service.signup_for_token(token))
    return see_other(f"/m/{token}?saved=1")


# --- "my signups" -------------------------------------------------------------------------------


async def _my_signups(
    request: Request[Any, Any, Any], values: dict[str, str], errors: dict[str, str], sent: bool
) -> Response[Any]:
    viewer = await current_organizer(request)
    return render_page(
        request, "signups/my_signups.html", viewer, values=values, errors=errors, sent=sent
    )


@get("/my-signups", include_in_schema=False)
async def my_signups_form(request: Request[Any, Any, Any]) -> Response[Any]:
    return await _my_signups(request, {}, {}, sent=False)


@post("/my-signups", include_in_schema=False)
async def my_signups_request(request: Request[Any, Any, Any]) -> Response[Any]:
    """Always the same answer, known address or not (nothing to probe)."""
    await enforce(request, "my_signups", limit=HOME_LINK_LIMIT_PER_MINUTE, window_s=60)
    form = await request.form()
    values = text_values(form, ("email",))
    return await submit(
        lambda: home_links.request(values["email"]),
        done=lambda _: _my_signups(request, values, {}, sent=True),
        invalid=lambda errors: _my_signups(request, values, errors, sent=False),
    )


@get("/my/{token:str}", include_in_schema=False)
async def my_home(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    volunteer_id = await home_links.volunteer_for_token(token)
    signups = await service.home(volunteer_id, urls.base_url(request))
    return render(
        request,
        "pages/signups/my_home.html",
        {
            "viewer": None,
            "signups": signups,
            "token": token,
            "has_feed": await feed.has_feed(volunteer_id),
        },
        private=True,
        headers=NOINDEX,
    )


async def _home_signup(token: str, signup_id: UUID) -> UUID:
    volunteer_id = await home_links.volunteer_for_token(token)
    return await service.signup_of_volunteer(volunteer_id, signup_id)


@get("/my/{token:str}/rsvp/{signup_id:uuid}", include_in_schema=False)
async def my_signup(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    signup_id: FromPath[UUID],
    saved: FromQuery[str] = "",
) -> Response[Any]:
    await _home_signup(token, signup_id)
    found = await service.view(signup_id, urls.base_url(request))
    action = f"/my/{token}/rsvp/{signup_id}"
    return _manage_page(
        request, found, action, back=f"/my/{token}", notice=N_("Saved.") if saved else ""
    )


@post("/my/{token:str}/rsvp/{signup_id:uuid}", include_in_schema=False)
async def my_signup_change(
    request: Request[Any, Any, Any], token: FromPath[str], signup_id: FromPath[UUID]
) -> Response[Any]:
    await _home_signup(token, signup_id)
    return await _change(request, signup_id, f"/my/{token}/rsvp/{signup_id}", back=f"/my/{token}")


@post("/m/{token:str}/confirm", include_in_schema=False)
async def manage_confirm(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    return await _from_manage(token, service.confirm)


@post("/my/{token:str}/rsvp/{signup_id:uuid}/confirm", include_in_schema=False)
async def my_signup_confirm(
    request: Request[Any, Any, Any], token: FromPath[str], signup_id: FromPath[UUID]
) -> Response[Any]:
    return await _from_home(token, signup_id, service.confirm)


@post("/my/{token:str}/rsvp/{signup_id:uuid}/cancel", include_in_schema=False)
async def my_signup_cancel(
    request: Request[Any, Any, Any], token: FromPath[str], signup_id: FromPath[UUID]
) -> Response[Any]:
    return await _from_home(token, signup_id, service.cancel)


async def _from_home(
    token: str, signup_id: UUID, act: Callable[[UUID], Awaitable[object]]
) -> Response[Any]:
    """Do ``act`` to one of the "my signups" link's signups, then show it again."""
    await _home_signup(token, signup_id)
    await act(signup_id)
    return see_other(f"/my/{token}/rsvp/{signup_id}?saved=1")


ROUTES: list[Any] = [
    rsvp_form,
    rsvp_submit,
    rsvp_done,
    manage,
    manage_change,
    manage_cancel,
    manage_confirm,
    my_signups_form,
    my_signups_request,
    my_home,
    my_signup,
    my_signup_change,
    my_signup_cancel,
    my_signup_confirm,
    *ORGANIZER_ROUTES,
    *feed.ROUTES,
]
