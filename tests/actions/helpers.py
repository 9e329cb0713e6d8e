"""Set-ups for the actions tests: an organization with a campaign, tasks and targets via the API."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from server.events import service as events
from server.events.schemas import CampaignInput
from tests.events.helpers import Member, member_with_org


async def campaign_of(member: Member, title: str = "#DontTurnAway") -> uuid.UUID:
    row = await events.create_campaign(member.who, member.org_id, CampaignInput(title=title))
    campaign_id: uuid.UUID = row["id"]
    return campaign_id


async def org_with_campaign(*, approved: bool = True) -> tuple[Member, uuid.UUID]:
    member = await member_with_org(approved=approved)
    return member, await campaign_of(member)


def task_json(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "call",
        "title": "Call your border police",
        "instructions": "Ask them to let refugees in without visas.",
        "script": "Hello {target_name}, my name is {volunteer_name} from {city}.",
        "goal": 1000,
    }
    body.update(overrides)
    return body


def target_json(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "country": "NO",
        "name": "Border police switchboard",
        "phone": "+47 00 00 00 00",
    }
    body.update(overrides)
    return body


async def create_task(
    client: httpx.AsyncClient, member: Member, campaign_id: uuid.UUID, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/campaigns/{campaign_id}/tasks", json=task_json(**overrides), headers=member.bearer
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def add_target(
    client: httpx.AsyncClient, member: Member, task_id: str, **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/tasks/{task_id}/targets", json=target_json(**overrides), headers=member.bearer
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def new_key() -> str:
    return uuid.uuid4().hex


async def complete(
    client: httpx.AsyncClient,
    member: Member,
    task_id: str,
    key: str | None = None,
    **body: Any,
) -> httpx.Response:
    """A completion through the API (the bearer token stands in for the browser's CSRF header)."""
    payload = {"outcome": "reached", **body}
    return await client.post(
        f"/api/v1/tasks/{task_id}/completions",
        json=payload,
        headers={**member.bearer, "Idempotency-Key": key or new_key()},
    )


def field_names(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return {e["field"] for e in response.json().get("errors") or []}
