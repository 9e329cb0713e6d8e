"""Completions: a volunteer marks an action done; progress counts; the organizer's results.

Recording is idempotent with a client-chosen key: the UNIQUE (task, idempotency_key) index
decides, so two taps — or two requests racing on two PostgreSQL connections — count once.
The loser of a race gets the integrity error, and the retry finds the winner's row. A
volunteer who acts through their signup link has one completion per task (UNIQUE (task,
volunteer_id)); marking again updates its outcome instead of counting twice.

Nothing here records an IP address; the country is the one the volunteer chose.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from piccolo.query.functions.aggregate import Count

from server.accounts.service import OrganizerView
from server.actions import service
from server.actions.schemas import CompletionInput
from server.actions.tables import ActionCompletion
from server.db import is_sqlite, write_transaction
from server.errors import Conflict, ValidationFailed
from server.events.validation import bad_text
from server.i18n import N_, Text
from server.tokens import utcnow

OUTCOMES = ("done", "reached", "voicemail", "no_answer", "sent")
# The outcomes offered for each kind of task ("done" fits every kind).
OUTCOMES_BY_KIND: dict[str, tuple[str, ...]] = {
    "call": ("reached", "voicemail", "no_answer", "done"),
    "email": ("sent", "done"),
    "letter": ("sent", "done"),
}
DEFAULT_OUTCOMES = ("done",)
# A call nobody answered is worth recording (the organizer sees it), but it is not an
# action taken: it does not count towards the goal.
UNCOUNTED = ("no_answer",)
# Completions per client address and minute (pages and API together): generous for a
# phone bank behind one address, low enough that nobody inflates a count by script.
COMPLETION_LIMIT = 60
KEY_RE = re.compile(r"^[A-Za-z0-9_\-]{8,100}$")
MAX_NOTE = 2000


def outcomes_for(kind: str) -> tuple[str, ...]:
    return OUTCOMES_BY_KIND.get(kind, DEFAULT_OUTCOMES)


def _integrity_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (sqlite3.IntegrityError,)
    try:
        import asyncpg

        errors += (asyncpg.exceptions.UniqueViolationError,)
    except ImportError:  # PostgreSQL support not installed
        pass
    return errors


@dataclass(frozen=True, slots=True)
class Completed:
    row: dict[str, Any]
    replayed: bool  # this key was used before: nothing new was recorded
    created: bool  # a new completion was recorded (else a replay, or a volunteer's update)
    counted: bool  # this request added one to the count
    count: int  # the task's count afterwards


def _clean(task: dict[str, Any], data: CompletionInput, key: str) -> tuple[str, str]:
    errors: dict[str, str] = {}
    if not KEY_RE.match(key):
        errors["idempotency_key"] = N_("Send a random key of 8 to 100 letters, digits, - or _.")
    allowed = outcomes_for(task["kind"])
    if data.outcome not in allowed:
        # The choices are on the card in words; the API's schema lists the codes.
        errors["outcome"] = N_("Choose how it went.")
    country = ""
    if data.country.strip():
        country, problem = service.clean_country(data.country, allow_any=False)
        if problem:
            errors["country"] = problem
    note = data.note.strip()
    if len(note) > MAX_NOTE:
        errors["note"] = Text("Use at most %(limit)s characters.", limit=MAX_NOTE)
    elif bad_text(note, multiline=True):
        errors["note"] = N_("Remove control characters.")
    if errors:
        raise ValidationFailed(errors)
    return country, note


async def complete(
    viewer: OrganizerView | None,
    task_id: uuid.UUID,
    data: CompletionInput,
    key: str,
    *,
    volunteer_id: uuid.UUID | None = None,
) -> Completed:
    """Record that a volunteer did ``task_id`` (once per key; once per tied volunteer)."""
    task = await service.visible_task(viewer, task_id)
    if task["archived_at"] is not None:
        raise Conflict(N_("This action is archived: it no longer takes completions."))
    country, note = _clean(task, data, key.strip())
    values = {"outcome": data.outcome, "country": country, "note": note}
    try:
        return await _record(task, key.strip(), values, volunteer_id)
    except _integrity_errors():
        # A concurrent request with the same key (or volunteer) won the race; its row is
        # committed now, so this attempt finds it and answers like a replay.
        return await _record(task, key.strip(), values, volunteer_id)


async def _record(
    task: dict[str, Any], key: str, values: dict[str, str], volunteer_id: uuid.UUID | None
) -> Completed:
    task_id = task["id"]
    replayed = created = counted = False
    async with write_transaction():
        row = (
            await ActionCompletion.select()
            .where((ActionCompletion.task == task_id) & (ActionCompletion.idempotency_key == key))
            .first()
        )
        if row is not None:
            replayed = True
        elif volunteer_id is not None and (
            mine := await ActionCompletion.select()
            .where(
                (ActionCompletion.task == task_id) & (ActionCompletion.volunteer_id == volunteer_id)
            )
            .first()
        ):
            # The same volunteer again: keep one completion, with the latest outcome.
            changes = {**values, "updated_at": utcnow()}
            if not values["note"]:
                changes.pop("note")
            await ActionCompletion.update(
                {getattr(ActionCompletion, k): v for k, v in changes.items()}
            ).where(ActionCompletion.id == mine["id"])
            row = {**mine, **changes}
            counted = mine["outcome"] in UNCOUNTED and values["outcome"] not in UNCOUNTED
        else:
            new = ActionCompletion(
                task=task_id,
                campaign=task["campaign"],
                idempotency_key=key,
                volunteer_id=volunteer_id,
                outcome=values["outcome"],
                country=values["country"],
                note=values["note"],
            )
            await new.save()
            row = {"id": new.id, "task": task_id, "created_at": new.created_at, **values}
            created = True
            counted = values["outcome"] not in UNCOUNTED
    counts = await counts_by_task([task_id])
    return Completed(row, replayed, created, counted, counts.get(task_id, 0))


# --- progress (public: counts only) -----------------------------------------------------


async def counts_by_task(task_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not task_ids:
        return {}
    rows = (
        await ActionCompletion.select(ActionCompletion.task, Count(alias="n"))
        .where(
            ActionCompletion.task.is_in(task_ids) & ActionCompletion.outcome.not_in(list(UNCOUNTED))
        )
        .group_by(ActionCompletion.task)
    )
    return {r["task"]: int(r["n"]) for r in rows}


@dataclass(frozen=True, slots=True)
class Progress:
    count: int
    goal: int | None  # the sum of the tasks' goals, None when no task has one
    by_task: dict[uuid.UUID, int]

    @property
    def percent(self) -> int | None:
        return None if not self.goal else min(100, round(100 * self.count / self.goal))


def progress_of(tasks: list[dict[str, Any]], counts: dict[uuid.UUID, int]) -> Progress:
    goals = [t["goal"] for t in tasks if t["goal"]]
    by_task = {t["id"]: counts.get(t["id"], 0) for t in tasks}
    return Progress(sum(by_task.values()), sum(goals) if goals else None, by_task)


async def campaign_progress(
    viewer: OrganizerView | None, campaign_id: uuid.UUID
) -> tuple[list[dict[str, Any]], Progress]:
    """The campaign's live tasks and their counts (no personal data)."""
    tasks = await service.campaign_tasks(viewer, campaign_id)
    counts = await counts_by_task([t["id"] for t in tasks])
    return tasks, progress_of(tasks, counts)


# --- results (members of the organization only) -----------------------------------------


async def by_day(viewer: OrganizerView | None, campaign_id: uuid.UUID) -> list[dict[str, Any]]:
    """Completions per UTC day, outcome and country: {day, outcome, country, count}."""
    await service.campaign_for_member(viewer, campaign_id)
    if is_sqlite():
        # Instants are stored as ISO text in UTC: the first ten characters are the day.
        day = "substr(created_at, 1, 10)"
    else:
        day = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    rows = await ActionCompletion.raw(
        f"SELECT {day} AS day, outcome, country, COUNT(*) AS n FROM action_completion "  # noqa: S608 (constant SQL)
        "WHERE campaign = {} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        campaign_id,
    )
    return [
        {"day": r["day"], "outcome": r["outcome"], "country": r["country"], "count": int(r["n"])}
        for r in rows
    ]


def _member_select() -> Any:
    return ActionCompletion.select(
        ActionCompletion.id,
        ActionCompletion.task,
        ActionCompletion.task.title.as_alias("task_title"),
        ActionCompletion.task.kind.as_alias("task_kind"),
        ActionCompletion.outcome,
        ActionCompletion.country,
        ActionCompletion.note,
        ActionCompletion.volunteer_id,
        ActionCompletion.created_at,
    )


async def member_completions(
    viewer: OrganizerView | None, campaign_id: uuid.UUID, *, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    """Newest first, notes included: members of the organization only."""
    await service.campaign_for_member(viewer, campaign_id)
    rows: list[dict[str, Any]] = (
        await _member_select()
        .where(ActionCompletion.campaign == campaign_id)
        .order_by(ActionCompletion.created_at, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    return rows


async def all_member_completions(
    viewer: OrganizerView | None, campaign_id: uuid.UUID, batch: int = 1000
) -> AsyncIterator[dict[str, Any]]:
    """Every completion, oldest first, in batches (for the CSV export)."""
    await service.campaign_for_member(viewer, campaign_id)
    offset = 0
    while True:
        rows = (
            await _member_select()
            .where(ActionCompletion.campaign == campaign_id)
            .order_by(ActionCompletion.created_at)
            .order_by(ActionCompletion.id)
            .limit(batch)
            .offset(offset)
        )
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        offset += batch


async def forget_volunteer(volunteer_id: uuid.UUID) -> int:
    """Untie a deleted volunteer's completions and drop their notes; the counts stay."""
    async with write_transaction():  # joins the caller's, if any
        updated = (
            await ActionCompletion.update(
                {ActionCompletion.volunteer_id: None, ActionCompletion.note: ""}
            )
            .where(ActionCompletion.volunteer_id == volunteer_id)
            .returning(ActionCompletion.id)
        )
    return len(updated)


async def of_volunteer(volunteer_id: uuid.UUID) -> list[dict[str, Any]]:
    """The completions tied to a volunteer, for their data export."""
    rows: list[dict[str, Any]] = (
        await ActionCompletion.select(
            ActionCompletion.task.title.as_alias("task_title"),
            ActionCompletion.outcome,
            ActionCompletion.country,
            ActionCompletion.note,
            ActionCompletion.created_at,
        )
        .where(ActionCompletion.volunteer_id == volunteer_id)
        .order_by(ActionCompletion.created_at)
    )
    return rows


async def forget_in_campaign(volunteer_ids: list[uuid.UUID], campaign_id: uuid.UUID) -> int:
    """An event's data is purged: its volunteers' completions in its campaign lose their
    note and their tie to the volunteer; the counts stay."""
    if not volunteer_ids:
        return 0
    updated = (
        await ActionCompletion.update(
            {ActionCompletion.volunteer_id: None, ActionCompletion.note: ""}
        )
        .where(
            ActionCompletion.volunteer_id.is_in(volunteer_ids)
            & (ActionCompletion.campaign == campaign_id)
        )
        .returning(ActionCompletion.id)
    )
    return len(updated)
