"""The volunteer's pages: ``/actions`` and a campaign's actions for one country.

The country is chosen on the device (``actions.js`` keeps it in localStorage, never on
the server) and reaches the server only as ``?country=NO`` to render the page; without
JavaScript the country picker is a plain GET form. Each task's form carries a fresh
random idempotency key made here, so a double tap (or a resubmitted form) counts once.
Pages are ``no-store``: their forms carry a CSRF token and one-time keys.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery

from server.accounts.pages import see_other
from server.actions import completions, forms, service, tie, translation_routes, views
from server.actions import targets as target_service
from server.actions import translations as task_translations
from server.actions.organizer import OrganizerActionPages
from server.errors import NotFound
from server.events import campaign_translations, languages
from server.i18n import N_
from server.web.auth import current_organizer
from server.web.forms import submit, text_values
from server.web.ratelimit import enforce
from server.web.templates import render_page


def new_key() -> str:
    return secrets.token_urlsafe(16)


@get("/actions", include_in_schema=False)
async def actions_index(request: Request[Any, Any, Any]) -> Response[Any]:
    """Every public campaign with live actions."""
    viewer = await current_organizer(request)
    # Each campaign in the reader's language where the organizers translated it.
    campaigns = await campaign_translations.localize(await service.campaigns_with_actions())
    return render_page(
        request,
        "actions/index.html",
        viewer,
        campaigns=campaigns,
        language_name=languages.language_name,
    )


async def _campaign_page(
    request: Request[Any, Any, Any],
    campaign_id: UUID,
    country_param: str,
    *,
    done: UUID | None = None,
    failed: UUID | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
) -> Response[Any]:
    viewer = await current_organizer(request)
    access = await service.campaign_access(viewer, campaign_id)
    country = ""
    if country_param.strip():
        country, _ = service.clean_country(country_param, allow_any=False)
    tasks, progress = await completions.campaign_progress(viewer, campaign_id)
    if access.role is None:  # volunteers read the texts in their language where translated
        tasks = await task_translations.localize(tasks)
    targets = await target_service.targets_of([t["id"] for t in tasks])
    cards, elsewhere = [], 0
    for task in tasks:
        mine = targets[task["id"]]
        target = target_service.target_for_country(mine, country) if mine else None
        if country and mine and target is None:
            elsewhere += 1  # nobody to contact in the volunteer's country yet
            continue
        event = await service.linked_event(task)
        if event is not None and country and event["country"] and event["country"] != country:
            event = None  # "Before the event" names only an event in the volunteer's country
        card = views.card(
            task,
            mine,
            target,
            count=progress.by_task[task["id"]],
            event=event,
            outcomes=completions.outcomes_for(task["kind"]),
            key=new_key(),
        )
        if failed == task["id"]:
            card.errors = errors or {}
            card.values = values or {}
            card.key = (values or {}).get("key") or card.key  # the same attempt, the same key
        card.done = done == task["id"]
        cards.append(card)
    return render_page(
        request,
        "actions/campaign.html",
        viewer,
        # Volunteers read it in their language where there is a translation; members
        # read what they wrote.
        campaign=access.campaign
        if access.role is not None
        else (await campaign_translations.localize([access.campaign]))[0],
        can_edit=access.can_edit,
        is_member=access.role is not None,
        cards=cards,
        elsewhere=elsewhere,
        progress=progress,
        country=country,
        country_invalid=bool(country_param.strip()) and not country,
        countries=service.country_choices(),
        country_name=service.country_name,
        markers=views.markers(None, translated=True),
        language_name=languages.language_name,
    )


@get("/campaigns/{campaign_id:uuid}/actions", include_in_schema=False)
async def campaign_actions(
    request: Request[Any, Any, Any],
    campaign_id: FromPath[UUID],
    country: FromQuery[str] = "",
    done: FromQuery[UUID | None] = None,
) -> Response[Any]:
    """The campaign's actions for the volunteer's country, with one-tap buttons."""
    return await _campaign_page(request, campaign_id, country[:8], done=done)


@post("/campaigns/{campaign_id:uuid}/actions/{task_id:uuid}/done", include_in_schema=False)
async def mark_done(
    request: Request[Any, Any, Any], campaign_id: FromPath[UUID], task_id: FromPath[UUID]
) -> Response[Any]:
    """Record a completion; 303 back to the page (htmx swaps just the task's card)."""
    await enforce(request, "action-completion", limit=completions.COMPLETION_LIMIT)
    form = await request.form()
    values = text_values(form, forms.COMPLETION_FIELDS)
    viewer = await current_organizer(request)
    task = await service.visible_task(viewer, task_id)
    if task["campaign"] != campaign_id:
        raise NotFound(N_("No such action"))

    async def save() -> None:
        volunteer_id = await tie.volunteer_for(values["signup_token"], task["organization"])
        await completions.complete(
            viewer,
            task_id,
            forms.parse_completion(values),
            values["key"],
            volunteer_id=volunteer_id,
        )

    query = {"done": str(task_id)}
    if values["country"]:
        query["country"] = values["country"][:8]
    return await submit(
        save,
        done=lambda _: see_other(
            f"/campaigns/{campaign_id}/actions?{urlencode(query)}#task-{task_id}"
        ),
        invalid=lambda errors: _campaign_page(
            request, campaign_id, values["country"], failed=task_id, errors=errors, values=values
        ),
    )


ROUTES: list[Any] = [
    actions_index,
    campaign_actions,
    mark_done,
    OrganizerActionPages,
    *translation_routes.ROUTES,
]
