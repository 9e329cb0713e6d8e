"""Action rules: tasks (targets live in targets.py, completions in completions.py).

Plain async functions over the actions tables. Writers need the organizer role in the
campaign's organization; non-members get ``NotFound`` for anything not public
(invariant 1). A task is public when its organization is approved and it is not archived.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from server.accounts import service as accounts
from server.accounts.service import OrganizerView, Role
from server.actions import scripts
from server.actions.schemas import TaskInput
from server.actions.tables import ActionTask
from server.db import write_transaction
from server.errors import NotFound, ValidationFailed
from server.events import service as events
from server.events import translations as event_translations
from server.events.validation import bad_text
from server.geo import country_names, gazetteer
from server.i18n import N_, Text
from server.text import strip_bidi_controls
from server.tokens import utcnow

KINDS = ("call", "email", "letter", "petition", "donate", "share", "custom")
ANY_COUNTRY = "any"
TASK_LIMITS = {"title": 200, "instructions": 5000, "subject": 300, "script": 10_000}
MULTILINE = ("instructions", "script", "postal_address")
MAX_TASKS = 100


def country_name(code: str) -> str:
    """A target's country in the reader's language (CLDR), or "Any country"."""
    if code == ANY_COUNTRY:
        return N_("Any country")
    return country_names.country_name(code)


def country_choices() -> list[tuple[str, str]]:
    """Current countries, named and sorted in the reader's language."""
    return country_names.country_choices()


def clean_country(value: str, *, allow_any: bool) -> tuple[str, str | None]:
    """The normalised country and an error message (or None)."""
    code = value.strip()
    if allow_any and code.lower() == ANY_COUNTRY:
        return ANY_COUNTRY, None
    code = code.upper()
    if code in gazetteer.countries():
        return code, None
    if allow_any:
        return "", N_(
            'Use a two-letter ISO country code, like NO or CA or "any" for every country.'
        )
    return "", N_("Use a two-letter ISO country code, like NO or CA.")


def check_text(values: dict[str, str], limits: dict[str, int], errors: dict[str, str]) -> None:
    for name, limit in limits.items():
        text = values[name]
        if len(text) > limit:
            errors[name] = Text("Use at most %(limit)s characters.", limit=limit)
        elif bad_text(text, multiline=name in MULTILINE):
            errors[name] = (
                N_("Remove control characters.")
                if name in MULTILINE
                else N_("Use one line of text.")
            )


# --- tasks -----------------------------------------------------------------------------


async def clean_task(
    viewer: OrganizerView | None, data: TaskInput, organization_id: uuid.UUID
) -> dict[str, Any]:
    """Checked column values; ``ValidationFailed`` naming every bad field (read-only)."""
    values = {name: str(getattr(data, name)).strip() for name in TASK_LIMITS}
    values["title"] = strip_bidi_controls(values["title"]).strip()  # shown to everyone
    errors: dict[str, str] = {}
    if data.kind not in KINDS:
        errors["kind"] = Text("Choose one of: %(names)s.", names=", ".join(KINDS))
    if not values["title"]:
        errors["title"] = N_("Give the action a title, like “Call your border police”.")
    check_text(values, TASK_LIMITS, errors)
    for name in ("subject", "script"):
        if name not in errors:
            try:
                scripts.placeholders(values[name])
            except scripts.ScriptError as exc:
                errors[name] = exc.message
    if data.goal is not None and not 1 <= data.goal <= 10_000_000:
        errors["goal"] = N_("Use a number from 1 to 10,000,000, or leave it empty.")
    if data.event_id is not None:
        try:
            event = await events.event_for_member(viewer, data.event_id)
        except NotFound:
            event = None
        if event is None or event["organization"] != organization_id:
            errors["event_id"] = N_("Choose one of this organization's events.")
    if errors:
        raise ValidationFailed(errors)
    return {
        **values,
        "kind": data.kind,
        "goal": data.goal,
        "event": data.event_id,
    }


@dataclass(frozen=True, slots=True)
class CampaignAccess:
    campaign: dict[str, Any]
    role: Role | None

    @property
    def can_edit(self) -> bool:
        return self.role in ("organizer", "owner")


async def campaign_access(viewer: OrganizerView | None, campaign_id: uuid.UUID) -> CampaignAccess:
    """The campaign if ``viewer`` may see it (public once its organization is approved)."""
    campaign = await events.get_campaign(viewer, campaign_id)
    role = await accounts.membership_role(viewer, campaign["organization"])
    return CampaignAccess(campaign, role)


async def campaign_for_member(
    viewer: OrganizerView | None, campaign_id: uuid.UUID, at_least: Role = "viewer"
) -> dict[str, Any]:
    try:
        campaign = await events.get_campaign(viewer, campaign_id)
        await accounts.require_role(viewer, campaign["organization"], at_least)
    except NotFound:
        raise NotFound(N_("No such campaign")) from None
    return campaign


async def create_task(
    viewer: OrganizerView | None, campaign_id: uuid.UUID, data: TaskInput
) -> dict[str, Any]:
    campaign = await campaign_for_member(viewer, campaign_id, "organizer")
    values = await clean_task(viewer, data, campaign["organization"])
    async with write_transaction(lock=f"actions:{campaign_id}"):
        existing = await ActionTask.select(ActionTask.position).where(
            ActionTask.campaign == campaign_id
        )
        if len(existing) >= MAX_TASKS:
            raise ValidationFailed(
                {"title": Text("A campaign can have at most %(n)s actions.", n=MAX_TASKS)}
            )
        position = max((r["position"] for r in existing), default=-1) + 1
        row = ActionTask(
            organization=campaign["organization"],
            campaign=campaign_id,
            position=position,
            **values,
        )
        await row.save()
    return await _require_task(row.id)


async def update_task(
    viewer: OrganizerView | None, task_id: uuid.UUID, data: TaskInput
) -> dict[str, Any]:
    task = await task_for_member(viewer, task_id, "organizer")
    values = await clean_task(viewer, data, task["organization"])
    values["updated_at"] = utcnow()
    async with write_transaction():
        await ActionTask.update({getattr(ActionTask, k): v for k, v in values.items()}).where(
            ActionTask.id == task_id
        )
    return await _require_task(task_id)


async def set_archived(
    viewer: OrganizerView | None, task_id: uuid.UUID, archived: bool
) -> dict[str, Any]:
    """Archived tasks leave the public pages; their completions stay in the results."""
    await task_for_member(viewer, task_id, "organizer")
    now = utcnow()
    async with write_transaction():
        await ActionTask.update(
            {ActionTask.archived_at: now if archived else None, ActionTask.updated_at: now}
        ).where(ActionTask.id == task_id)
    return await _require_task(task_id)


async def reorder(
    viewer: OrganizerView | None, campaign_id: uuid.UUID, task_ids: list[uuid.UUID]
) -> list[dict[str, Any]]:
    """Put the campaign's tasks in this order; the list must name each of them once."""
    await campaign_for_member(viewer, campaign_id, "organizer")
    async with write_transaction(lock=f"actions:{campaign_id}"):
        rows = await ActionTask.select(ActionTask.id).where(ActionTask.campaign == campaign_id)
        if len(task_ids) != len(set(task_ids)) or set(task_ids) != {r["id"] for r in rows}:
            raise ValidationFailed(
                {"task_ids": N_("List every action of this campaign exactly once.")}
            )
        for position, task_id in enumerate(task_ids):
            await ActionTask.update({ActionTask.position: position}).where(ActionTask.id == task_id)
    return await campaign_tasks(viewer, campaign_id, include_archived=True)


async def move(viewer: OrganizerView | None, task_id: uuid.UUID, step: int) -> None:
    """Move a task one place up (-1) or down (+1) in its campaign (the order page's buttons)."""
    task = await task_for_member(viewer, task_id, "organizer")
    rows = await campaign_tasks(viewer, task["campaign"], include_archived=True)
    ids = [r["id"] for r in rows]
    index = ids.index(task_id)
    other = index + step
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        await reorder(viewer, task["campaign"], ids)


# --- task reads ------------------------------------------------------------------------


def _task_select() -> Any:
    return ActionTask.select(
        *ActionTask.all_columns(),
        ActionTask.organization.approved_at.as_alias("organization_approved_at"),
        ActionTask.campaign.title.as_alias("campaign_title"),
        ActionTask.campaign.language.as_alias("campaign_language"),
    )


async def _fetch_task(task_id: uuid.UUID) -> dict[str, Any] | None:
    row: dict[str, Any] | None = await _task_select().where(ActionTask.id == task_id).first()
    return row


async def _require_task(task_id: uuid.UUID) -> dict[str, Any]:
    row = await _fetch_task(task_id)
    if row is None:
        raise NotFound(N_("No such action"))
    return row


def is_public(row: dict[str, Any]) -> bool:
    return row["archived_at"] is None and row["organization_approved_at"] is not None


async def visible_task(viewer: OrganizerView | None, task_id: uuid.UUID) -> dict[str, Any]:
    """The task if ``viewer`` may see it: public ones for all, any for members."""
    row = await _fetch_task(task_id)
    if row is None:
        raise NotFound(N_("No such action"))
    if not is_public(row) and await accounts.membership_role(viewer, row["organization"]) is None:
        raise NotFound(N_("No such action"))
    return row


async def task_for_member(
    viewer: OrganizerView | None, task_id: uuid.UUID, at_least: Role = "viewer"
) -> dict[str, Any]:
    row = await _fetch_task(task_id)
    if row is None:
        raise NotFound(N_("No such action"))
    try:
        await accounts.require_role(viewer, row["organization"], at_least)
    except NotFound:
        raise NotFound(N_("No such action")) from None
    return row


async def campaign_tasks(
    viewer: OrganizerView | None, campaign_id: uuid.UUID, *, include_archived: bool = False
) -> list[dict[str, Any]]:
    """The campaign's tasks in order; archived ones only for members who ask for them."""
    access = await campaign_access(viewer, campaign_id)
    query = _task_select().where(ActionTask.campaign == campaign_id)
    if not (include_archived and access.role is not None):
        query = query.where(ActionTask.archived_at.is_null())
    rows: list[dict[str, Any]] = await query.order_by(ActionTask.position).order_by(
        ActionTask.created_at
    )
    return rows


async def campaigns_with_actions() -> list[dict[str, Any]]:
    """Public campaigns that have at least one live action, for ``/actions``."""
    rows = (
        await ActionTask.select(
            ActionTask.campaign,
            ActionTask.campaign.title.as_alias("title"),
            ActionTask.campaign.description.as_alias("description"),
            ActionTask.campaign.language.as_alias("language"),
            ActionTask.organization.name.as_alias("organization_name"),
            ActionTask.kind,
        )
        .where(ActionTask.archived_at.is_null() & ActionTask.organization.approved_at.is_not_null())
        .order_by(ActionTask.campaign.created_at)
    )
    campaigns: dict[uuid.UUID, dict[str, Any]] = {}
    for row in rows:
        entry = campaigns.setdefault(
            row["campaign"],
            {
                "id": row["campaign"],
                "title": row["title"],
                "description": row["description"],
                "language": row["language"],
                "organization_name": row["organization_name"],
                "tasks": 0,
            },
        )
        entry["tasks"] += 1
    return list(campaigns.values())


async def linked_event(row: dict[str, Any]) -> dict[str, Any] | None:
    """The task's event when the public may see it (a draft or private event stays hidden)."""
    if row["event"] is None:
        return None
    try:
        found = await events.visible_event(None, row["event"])
    except NotFound:
        return None
    # Volunteers read the event's title in their language where the organizers gave one.
    await event_translations.attach([found.row])
    return {**found.row, "title": event_translations.localized_title(found.row)}
