"""Rows to answers: tasks and targets as the API and the volunteer's page show them.

A script is filled in here: ``{target_name}`` with the target for the volunteer's country,
``{volunteer_name}`` and ``{city}`` with visible markers ("[your name]"). The volunteer's
name never travels to the server: ``actions.js`` swaps the markers on the device for what
the volunteer typed there (and rebuilds the ``mailto:`` links the same way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from server.actions import scripts
from server.actions.schemas import EventLink, TargetOut, TaskOut
from server.actions.service import country_name
from server.i18n import N_, translate

NAME_MARKER = N_("[your name]")
CITY_MARKER = N_("[your city]")
TARGET_MARKER = N_("[name of the person you contact]")


def markers(target: dict[str, Any] | None, *, translated: bool = False) -> dict[str, str]:
    """The markers in English (the API), or in the reader's language (``translated``: the
    volunteer's page, whose script swaps the same translated markers)."""
    say = translate if translated else str
    return {
        "volunteer_name": say(NAME_MARKER),
        "city": say(CITY_MARKER),
        "target_name": target["name"] if target else say(TARGET_MARKER),
    }


def filled(template: str, target: dict[str, Any] | None, *, translated: bool = False) -> str:
    return scripts.fill(template, markers(target, translated=translated))


def target_mailto(
    task: dict[str, Any], target: dict[str, Any], *, translated: bool = False
) -> str | None:
    if not target["email"]:
        return None
    return scripts.mailto(
        target["email"],
        filled(task["subject"], target, translated=translated),
        filled(task["script"], target, translated=translated),
    )


def target_out(task: dict[str, Any], target: dict[str, Any]) -> TargetOut:
    return TargetOut(
        id=target["id"],
        country=target["country"],
        name=target["name"],
        organisation=target["organisation"],
        phone=target["phone"],
        email=target["email"],
        postal_address=target["postal_address"],
        url=target["url"],
        office_hours=target["office_hours"],
        language=target["language"],
        tel_uri=scripts.tel(target["phone"]) if target["phone"] else None,
        mailto_uri=target_mailto(task, target),
    )


def event_link(event: dict[str, Any] | None, base_url: str) -> EventLink | None:
    if event is None:
        return None
    return EventLink(
        id=event["id"],
        title=event["title"],
        url=f"{base_url}/events/{event['id']}",
        starts_at=event["starts_at"],
    )


def task_out(
    task: dict[str, Any],
    targets: list[dict[str, Any]],
    count: int,
    event: dict[str, Any] | None,
    base_url: str,
) -> TaskOut:
    return TaskOut(
        id=task["id"],
        campaign_id=task["campaign"],
        kind=task["kind"],
        title=task["title"],
        instructions=task["instructions"],
        subject=task["subject"],
        script=task["script"],
        goal=task["goal"],
        count=count,
        position=task["position"],
        archived=task["archived_at"] is not None,
        event=event_link(event, base_url),
        targets=[target_out(task, t) for t in targets],
    )


@dataclass
class TaskCard:
    """What the volunteer's page shows for one task, for the chosen country."""

    task: dict[str, Any]
    target: dict[str, Any] | None
    countries: list[str]  # names of the countries with their own target
    count: int
    event: dict[str, Any] | None
    outcomes: tuple[str, ...]
    key: str  # a fresh idempotency key for the form
    subject: str = ""
    script: str = ""
    mailto: str | None = None
    tel: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    done: bool = False

    @property
    def needs_country(self) -> bool:
        return self.target is None and bool(self.countries)

    @property
    def percent(self) -> int | None:
        goal = self.task["goal"]
        return None if not goal else min(100, round(100 * self.count / goal))


def card(
    task: dict[str, Any],
    targets: list[dict[str, Any]],
    target: dict[str, Any] | None,
    *,
    count: int,
    event: dict[str, Any] | None,
    outcomes: tuple[str, ...],
    key: str,
) -> TaskCard:
    return TaskCard(
        task=task,
        target=target,
        countries=[country_name(t["country"]) for t in targets if t["country"] != "any"],
        count=count,
        event=event,
        outcomes=outcomes,
        key=key,
        subject=filled(task["subject"], target, translated=True),
        script=filled(task["script"], target, translated=True),
        mailto=target_mailto(task, target, translated=True) if target else None,
        tel=scripts.tel(target["phone"]) if target and target["phone"] else None,
    )
