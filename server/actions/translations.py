"""Organizers' translations of an action's texts: title, instructions, email subject, script.

A task is written in its campaign's language. Volunteers get the translation into their
language where there is one (``localize``, on the campaign's public page), else the
original. The organizer role of the task's organization writes them, with the same
rules as the task itself (lengths, one-line title and subject, valid placeholders).
"""

from __future__ import annotations

import uuid
from typing import Any

from server import i18n
from server.accounts import audit
from server.accounts.service import OrganizerView
from server.actions import scripts, service
from server.actions.schemas import TaskTranslationInput
from server.actions.tables import ActionTaskTranslation
from server.db import write_transaction
from server.errors import ValidationFailed
from server.events import translation_rows
from server.i18n import N_
from server.text import strip_bidi_controls

TEXTS = ("title", "instructions", "subject", "script")
T = ActionTaskTranslation


def original_language(task: dict[str, Any]) -> str:
    return str(task.get("campaign_language") or i18n.SOURCE)


async def localize(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of the tasks with the reader's texts where there is a translation;
    ``language`` says which language each one's texts are in."""
    reader = i18n.current.get()
    wanted = [t["id"] for t in tasks if original_language(t) != reader]
    found: dict[Any, dict[str, Any]] = {}
    if wanted:
        rows = await T.select(T.task, *(getattr(T, n) for n in TEXTS)).where(
            T.task.is_in(wanted) & (T.language == reader)
        )
        found = {row["task"]: row for row in rows}
    shown = []
    for task in tasks:
        chosen = found.get(task["id"])
        texts = {n: chosen[n] for n in TEXTS} if chosen else {}
        language = reader if chosen else original_language(task)
        shown.append({**task, **texts, "language": language})
    return shown


def clean(task: dict[str, Any], language: str, data: TaskTranslationInput) -> dict[str, str]:
    """The texts to store, or ``ValidationFailed`` naming each bad field."""
    errors: dict[str, str] = {}
    if language not in i18n.LANGUAGES:
        errors["language"] = N_("Choose a language from the list.")
    elif language == original_language(task):
        errors["language"] = N_("The original is written in this language already.")
    values = {name: str(getattr(data, name)).strip() for name in TEXTS}
    values["title"] = strip_bidi_controls(values["title"]).strip()  # shown to everyone
    if not values["title"]:
        errors["title"] = N_("Give the translated title.")
    service.check_text(values, service.TASK_LIMITS, errors)
    for name in ("subject", "script"):
        if name not in errors:
            try:
                scripts.placeholders(values[name])
            except scripts.ScriptError as exc:
                errors[name] = exc.message
    if errors:
        raise ValidationFailed(errors)
    return values


async def task_translations(
    viewer: OrganizerView | None, task_id: uuid.UUID
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The task and its translations, for those who may edit it."""
    task = await service.task_for_member(viewer, task_id, "organizer")
    found: list[dict[str, Any]] = (
        await T.select(T.language, *(getattr(T, n) for n in TEXTS))
        .where(T.task == task_id)
        .order_by(T.language)
    )
    return task, found


async def put_translation(
    viewer: OrganizerView | None, task_id: uuid.UUID, language: str, data: TaskTranslationInput
) -> dict[str, Any]:
    """Add or replace the translation into ``language``; nothing is written on bad input."""
    task = await service.task_for_member(viewer, task_id, "organizer")
    values = clean(task, language, data)
    async with write_transaction(lock=f"actions:{task['campaign']}"):
        await translation_rows.store(T, T.task, task_id, language, values)
        await audit.record(
            task["organization"], viewer, "campaign.action_translated", task["title"], language,
            subject_id=task_id,
        )  # fmt: skip
    return {"language": language, **values}


async def delete_translation(
    viewer: OrganizerView | None, task_id: uuid.UUID, language: str
) -> None:
    """Remove the translation into ``language``; ``NotFound`` when there is none."""
    task = await service.task_for_member(viewer, task_id, "organizer")
    async with write_transaction(lock=f"actions:{task['campaign']}"):
        await translation_rows.remove(T, T.task, task_id, language)
        await audit.record(
            task["organization"], viewer, "campaign.action_translation_deleted", task["title"], language,
            subject_id=task_id,
        )  # fmt: skip
