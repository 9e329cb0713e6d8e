"""msgspec Structs: what the actions API accepts and answers (also the OpenAPI schema).

Public shapes (``TaskOut``, ``TargetOut``, ``ProgressOut``, ``CompletionOut``) carry no
personal data; a volunteer's note appears only in ``MemberCompletionOut``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

Kind = Literal["call", "email", "letter", "petition", "donate", "share", "custom"]
Outcome = Literal["done", "reached", "voicemail", "no_answer", "sent"]
Country = Annotated[str, msgspec.Meta(description='ISO 3166-1 alpha-2 code, or "any"')]


class TaskInput(msgspec.Struct, forbid_unknown_fields=True):
    """Create or replace a task. ``subject`` and ``script`` may use the placeholders
    {volunteer_name}, {city} and {target_name} only ({{ and }} for literal braces)."""

    kind: Kind
    title: str
    instructions: str = ""
    subject: str = ""
    script: str = ""
    goal: Annotated[int, msgspec.Meta(ge=1)] | None = None
    event_id: UUID | None = None


class TargetInput(msgspec.Struct, forbid_unknown_fields=True):
    """Whom to contact for a task in one country; one target per country per task."""

    country: Country
    name: str
    organisation: str = ""
    phone: str = ""
    email: str = ""
    postal_address: str = ""
    url: Annotated[str, msgspec.Meta(description="http(s) only")] = ""
    office_hours: str = ""
    language: str = ""


class TargetOut(msgspec.Struct):
    id: UUID
    country: Country
    name: str
    organisation: str
    phone: str
    email: str
    postal_address: str
    url: str
    office_hours: str
    language: str
    tel_uri: str | None
    mailto_uri: str | None


class EventLink(msgspec.Struct):
    id: UUID
    title: str
    url: str
    starts_at: datetime


class TaskTranslationInput(msgspec.Struct):
    """A translation of a task's texts (the same rules and placeholders as the task's).
    ``title`` is required: its absence is a 422 naming it, given only to those who may
    edit the task (anyone else gets the 404 first, whatever the body)."""

    title: str = ""
    instructions: str = ""
    subject: str = ""
    script: str = ""


class TaskTranslationOut(msgspec.Struct):
    language: str
    title: str
    instructions: str
    subject: str
    script: str


class TaskOut(msgspec.Struct):
    id: UUID
    campaign_id: UUID
    kind: Kind
    title: str
    instructions: str
    subject: str
    script: str
    goal: int | None
    count: Annotated[int, msgspec.Meta(description="completions that count (not no_answer)")]
    position: int
    archived: bool
    event: EventLink | None
    targets: list[TargetOut]


class OrderInput(msgspec.Struct, forbid_unknown_fields=True):
    task_ids: Annotated[list[UUID], msgspec.Meta(description="the campaign's tasks, in order")]


class CompletionInput(msgspec.Struct, forbid_unknown_fields=True):
    outcome: Outcome
    country: Annotated[str, msgspec.Meta(description="the volunteer's ISO-2 country, or empty")] = (
        ""
    )
    note: Annotated[str, msgspec.Meta(description="seen by the organization only")] = ""


class CompletionOut(msgspec.Struct):
    id: UUID
    task_id: UUID
    outcome: Outcome
    country: str
    created_at: datetime
    replayed: Annotated[bool, msgspec.Meta(description="true when this key was already used")]
    counted: Annotated[bool, msgspec.Meta(description="true when this request added to the count")]
    count: int


class TaskProgress(msgspec.Struct):
    task_id: UUID
    title: str
    count: int
    goal: int | None


class ProgressOut(msgspec.Struct):
    """Counts only: nothing about who acted."""

    campaign_id: UUID
    count: int
    goal: int | None
    tasks: list[TaskProgress]


class MemberCompletionOut(msgspec.Struct):
    id: UUID
    task_id: UUID
    task_title: str
    outcome: Outcome
    country: str
    note: str
    from_signup: bool
    created_at: datetime


class CompletionPage(msgspec.Struct):
    items: list[MemberCompletionOut]
    page: int
    per_page: int
    has_next: bool


class CountRow(msgspec.Struct):
    key: str
    count: int


class DayRow(msgspec.Struct):
    day: str
    outcome: str
    country: str
    count: int


class ResultsOut(msgspec.Struct):
    """Organizer statistics: by outcome, by country, and per UTC day."""

    campaign_id: UUID
    total: int
    by_outcome: list[CountRow]
    by_country: list[CountRow]
    by_day: list[DayRow]
