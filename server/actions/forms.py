"""HTML forms ⇄ the API's input Structs, so the service's rules are the only rules.

Fields that cannot even be parsed (a goal that is not a number) get their error here; the
service still checks the rest, so the organizer sees every problem at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from server.actions.schemas import CompletionInput, TargetInput, TaskInput
from server.i18n import N_

TASK_FIELDS = ("kind", "title", "instructions", "subject", "script", "goal", "event_id")
TARGET_FIELDS = (
    "country",
    "name",
    "organisation",
    "phone",
    "email",
    "postal_address",
    "url",
    "office_hours",
    "language",
)
COMPLETION_FIELDS = ("outcome", "note", "country", "key", "signup_token")


def parse_task(values: Mapping[str, str]) -> tuple[TaskInput, dict[str, str]]:
    errors: dict[str, str] = {}
    goal: int | None = None
    text = values.get("goal", "").strip().replace(",", "").replace(" ", "")
    if text:
        try:
            goal = int(text)
        except ValueError:
            errors["goal"] = N_("Enter a whole number, like 1000, or leave it empty.")
    event_id: uuid.UUID | None = None
    if values.get("event_id", "").strip():
        try:
            event_id = uuid.UUID(values["event_id"].strip())
        except ValueError:
            errors["event_id"] = N_("Choose one of this organization's events.")
    data = TaskInput(
        kind=values.get("kind", "") or "custom",  # type: ignore[arg-type]  # checked by the service
        title=values.get("title", ""),
        instructions=values.get("instructions", ""),
        subject=values.get("subject", ""),
        script=values.get("script", ""),
        goal=goal,
        event_id=event_id,
    )
    return data, errors


def task_values(row: Mapping[str, Any]) -> dict[str, str]:
    return {
        "kind": row["kind"],
        "title": row["title"],
        "instructions": row["instructions"],
        "subject": row["subject"],
        "script": row["script"],
        "goal": "" if row["goal"] is None else str(row["goal"]),
        "event_id": str(row["event"]) if row["event"] else "",
    }


def parse_target(values: Mapping[str, str]) -> TargetInput:
    return TargetInput(**{name: values.get(name, "") for name in TARGET_FIELDS})


def target_values(row: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(row[name]) for name in TARGET_FIELDS}


def parse_completion(values: Mapping[str, str]) -> CompletionInput:
    return CompletionInput(
        outcome=values.get("outcome", ""),  # type: ignore[arg-type]  # checked by the service
        country=values.get("country", ""),
        note=values.get("note", ""),
    )
