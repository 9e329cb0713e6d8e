"""Targets: whom a volunteer contacts for a task, one per country (or "any") per task.

Only organizers of the task's organization change them; the UNIQUE (task, country)
index backs up the check made under the task's lock.
"""

from __future__ import annotations

import uuid
from typing import Any

from server.accounts import service as accounts
from server.accounts.service import OrganizerView
from server.actions import scripts, service
from server.actions.schemas import TargetInput
from server.actions.tables import ActionTarget
from server.db import write_transaction
from server.errors import NotFound, ValidationFailed
from server.i18n import N_, Text
from server.text import strip_bidi_controls

TARGET_LIMITS = {
    "name": 200,
    "organisation": 200,
    "phone": 40,
    "email": 254,
    "postal_address": 1000,
    "url": 500,
    "office_hours": 200,
    "language": 100,
}
# What a target of each kind must have, so the one-tap button has something to open.
TARGET_NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "call": (("phone",), N_("A call needs a phone number.")),
    "email": (("email", "url"), N_("Give an email address or a contact form link.")),
    "letter": (("postal_address", "email"), N_("Give a postal address (or an email address).")),
    "petition": (("url",), N_("Give the petition's link.")),
    "donate": (("url",), N_("Give the donation page's link.")),
}


def clean_target(data: TargetInput, kind: str) -> dict[str, Any]:
    values = {name: str(getattr(data, name)).strip() for name in TARGET_LIMITS}
    values["name"] = strip_bidi_controls(values["name"]).strip()  # shown to everyone
    errors: dict[str, str] = {}
    country, problem = service.clean_country(data.country, allow_any=True)
    if problem:
        errors["country"] = problem
    if not values["name"]:
        errors["name"] = N_("Name the person or office, like “Border police switchboard”.")
    service.check_text(values, TARGET_LIMITS, errors)
    if "phone" not in errors and (problem := scripts.phone_error(values["phone"])):
        errors["phone"] = problem
    if "email" not in errors and values["email"]:
        errors.update(accounts.validate_email(values["email"].lower()))
    if "url" not in errors and (problem := scripts.url_error(values["url"])):
        errors["url"] = problem
    needs, message = TARGET_NEEDS.get(kind, ((), ""))
    if needs and not any(values[n] for n in needs) and needs[0] not in errors:
        errors[needs[0]] = message
    if errors:
        raise ValidationFailed(errors)
    return {**values, "email": values["email"].lower(), "country": country}


async def _unique_country(task_id: uuid.UUID, country: str, except_id: uuid.UUID | None) -> None:
    query = ActionTarget.select(ActionTarget.id).where(
        (ActionTarget.task == task_id) & (ActionTarget.country == country)
    )
    clash = await query.first()
    if clash is not None and clash["id"] != except_id:
        if country == service.ANY_COUNTRY:
            raise ValidationFailed(
                {"country": N_("This action already has a target for every country.")}
            )
        where = service.country_name(country)
        raise ValidationFailed(
            {"country": Text("This action already has a target for %(where)s.", where=where)}
        )


async def add_target(
    viewer: OrganizerView | None, task_id: uuid.UUID, data: TargetInput
) -> dict[str, Any]:
    task = await service.task_for_member(viewer, task_id, "organizer")
    values = clean_target(data, task["kind"])
    # The lock makes the check-then-insert safe; the UNIQUE index backs it up.
    async with write_transaction(lock=f"action-targets:{task_id}"):
        await _unique_country(task_id, values["country"], None)
        row = ActionTarget(task=task_id, **values)
        await row.save()
    return await _require_target(row.id)


async def _target_with_task(
    viewer: OrganizerView | None, target_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any]]:
    row = await ActionTarget.select().where(ActionTarget.id == target_id).first()
    if row is None:
        raise NotFound(N_("No such target"))
    try:
        task = await service.task_for_member(viewer, row["task"], "organizer")
    except NotFound:
        raise NotFound(N_("No such target")) from None
    return row, task


async def target_for_member(
    viewer: OrganizerView | None, target_id: uuid.UUID
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(target, task) for an organizer of the task's organization; ``NotFound`` otherwise."""
    return await _target_with_task(viewer, target_id)


async def update_target(
    viewer: OrganizerView | None, target_id: uuid.UUID, data: TargetInput
) -> dict[str, Any]:
    _, task = await _target_with_task(viewer, target_id)
    values = clean_target(data, task["kind"])
    async with write_transaction(lock=f"action-targets:{task['id']}"):
        await _unique_country(task["id"], values["country"], target_id)
        await ActionTarget.update({getattr(ActionTarget, k): v for k, v in values.items()}).where(
            ActionTarget.id == target_id
        )
    return await _require_target(target_id)


async def delete_target(viewer: OrganizerView | None, target_id: uuid.UUID) -> uuid.UUID:
    """Remove a target; returns its task's id."""
    row, _ = await _target_with_task(viewer, target_id)
    async with write_transaction(lock=f"action-targets:{row['task']}"):
        await ActionTarget.delete().where(ActionTarget.id == target_id)
    task_id: uuid.UUID = row["task"]
    return task_id


async def _require_target(target_id: uuid.UUID) -> dict[str, Any]:
    row: dict[str, Any] | None = (
        await ActionTarget.select().where(ActionTarget.id == target_id).first()
    )
    if row is None:
        raise NotFound(N_("No such target"))
    return row


async def targets_of(task_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Each task's targets, "any country" first, then by country code."""
    found: dict[uuid.UUID, list[dict[str, Any]]] = {t: [] for t in task_ids}
    if not task_ids:
        return found
    rows = await ActionTarget.select().where(ActionTarget.task.is_in(task_ids))
    for row in sorted(rows, key=lambda r: (r["country"] != service.ANY_COUNTRY, r["country"])):
        found[row["task"]].append(row)
    return found


def target_for_country(targets: list[dict[str, Any]], country: str) -> dict[str, Any] | None:
    """The target a volunteer in ``country`` contacts: their country's, else "any"."""
    by_country = {t["country"]: t for t in targets}
    return by_country.get(country) or by_country.get(service.ANY_COUNTRY)
