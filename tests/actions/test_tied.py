"""Completions tied to a volunteer's signup link: one per volunteer and action, same org only."""

from __future__ import annotations

import httpx

from server.actions.tables import ActionCompletion
from server.signups import service as signups
from server.signups.tables import Signup
from tests.actions.helpers import (
    add_target,
    campaign_of,
    complete,
    create_task,
    field_names,
    new_key,
)
from tests.conftest import csrf_token, unique_email
from tests.events.helpers import create_event, member_with_org


async def _signup_token(client: httpx.AsyncClient, event_id: str) -> str:
    """RSVP through the public API, then take a manage link the way an operator can."""
    email = unique_email("volunteer")
    response = await client.post(
        f"/api/v1/events/{event_id}/signups",
        json={"display_name": "Ana", "email": email},
        headers={"x-csrftoken": await csrf_token(client, "/login")},
    )
    assert response.status_code == 201, response.text
    row = await Signup.select(Signup.id).where(Signup.volunteer.email == email).first()
    assert row is not None
    return await signups.issue_manage_link(row["id"])


async def test_a_volunteer_counts_once_per_action(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    campaign_id = await campaign_of(member)
    event = await create_event(client, member, publish=True)
    task = await create_task(client, member, campaign_id)
    await add_target(client, member, task["id"])
    token = await _signup_token(client, event["id"])

    first = await client.post(
        f"/api/v1/tasks/{task['id']}/completions",
        json={"outcome": "no_answer", "country": "NO"},
        headers={**member.bearer, "Idempotency-Key": new_key(), "X-Signup-Token": token},
    )
    assert first.status_code == 201 and first.json()["count"] == 0
    # Later, with a new key: the same volunteer's completion is updated, not added.
    second = await client.post(
        f"/api/v1/tasks/{task['id']}/completions",
        json={"outcome": "reached", "country": "NO", "note": "They listened"},
        headers={**member.bearer, "Idempotency-Key": new_key(), "X-Signup-Token": token},
    )
    assert second.status_code == 200, second.text
    assert second.json()["counted"] is True and second.json()["count"] == 1
    [row] = await ActionCompletion.select()
    assert row["outcome"] == "reached" and row["volunteer_id"] is not None
    assert row["note"] == "They listened"

    listing = await client.get(
        f"/api/v1/campaigns/{campaign_id}/completions", headers=member.bearer
    )
    assert listing.json()["items"][0]["from_signup"] is True

    bad = await client.post(
        f"/api/v1/tasks/{task['id']}/completions",
        json={"outcome": "reached"},
        headers={**member.bearer, "Idempotency-Key": new_key(), "X-Signup-Token": "nope" * 8},
    )
    assert bad.status_code == 422 and field_names(bad) == {"X-Signup-Token"}
    assert await ActionCompletion.count() == 1


async def test_another_organizations_signup_link_counts_anonymously(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True)
    token = await _signup_token(client, event["id"])
    other = await member_with_org(name="Other Group")
    task = await create_task(client, other, await campaign_of(other))
    await add_target(client, other, task["id"])
    response = await client.post(
        f"/api/v1/tasks/{task['id']}/completions",
        json={"outcome": "reached"},
        headers={**other.bearer, "Idempotency-Key": new_key(), "X-Signup-Token": token},
    )
    assert response.status_code == 201
    [row] = await ActionCompletion.select()
    assert row["volunteer_id"] is None


async def test_the_page_form_takes_the_token_from_a_post_field(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    campaign_id = await campaign_of(member)
    event = await create_event(client, member, publish=True)
    task = await create_task(client, member, campaign_id, kind="share", title="Share", goal=None)
    token = await _signup_token(client, event["id"])
    page = f"/campaigns/{campaign_id}/actions"
    csrf = await csrf_token(client, page)
    response = await client.post(
        f"{page}/{task['id']}/done",
        data={"_csrf_token": csrf, "outcome": "done", "key": new_key(), "signup_token": token},
    )
    assert response.status_code == 303
    [row] = await ActionCompletion.select()
    assert row["volunteer_id"] is not None
    assert token not in response.headers["location"]
    assert (await complete(client, member, task["id"], outcome="done")).status_code == 201


async def test_the_manage_page_links_to_the_campaigns_actions_with_the_token_in_the_fragment(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    campaign_id = await campaign_of(member)
    event = await create_event(client, member, publish=True, campaign_id=str(campaign_id))
    token = await _signup_token(client, event["id"])

    page = await client.get(f"/m/{token}")
    assert page.status_code == 200
    # In the fragment only: the browser keeps it, no server (ours or another) receives it.
    assert f'href="/campaigns/{campaign_id}/actions#signup={token}"' in page.text
    assert f"?signup={token}" not in page.text
