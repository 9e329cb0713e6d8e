"""The new/edit event page (``pages/events/form.html``), shared by the event form's
handlers (``pages``) and the translation form's (``translation_pages``)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response

from server import i18n
from server.accounts import service as accounts
from server.accounts.service import OrganizerView
from server.errors import NotFound
from server.events import forms, service, translations, validation
from server.geo.country_names import country_choices
from server.i18n import N_
from server.web.templates import render_page


def _form_choices() -> dict[str, Any]:
    return {
        "timezones": validation.timezone_choices(),
        "countries": country_choices(),
        "kinds": validation.KINDS,
        "reminder_choices": forms.reminder_choices,
    }


async def render_form(
    request: Request[Any, Any, Any],
    viewer: OrganizerView,
    org_id: UUID,
    *,
    action: str,
    values: dict[str, str],
    event: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    **extra: Any,
) -> Response[Any]:
    """The new/edit event page; an existing event's page has its translations too
    (``extra`` carries the translation form's own values and errors)."""
    org = await accounts.get_organization(org_id)
    if org is None:
        raise NotFound(N_("No such organization"))
    if event is not None:
        _, extra["translations"] = await translations.event_translations(viewer, event["id"])
        extra["translation_languages"] = {
            code: name for code, name in i18n.LANGUAGES.items() if code != event["language"]
        }
    return render_page(
        request,
        "events/form.html",
        viewer,
        status_code=status_code,
        org=org,
        event=event,
        action=action,
        values=values,
        errors=errors or {},
        campaigns=await service.campaigns_of(viewer, org_id),
        **_form_choices(),
        **extra,
    )
