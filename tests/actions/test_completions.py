"""Completions: idempotent under double taps (also concurrent ones), counted right, notes private."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from server.actions import completions
from server.actions.tables import ActionCompletion
from tests.actions.helpers import (
    add_target,
    complete,
    create_task,
    field_names,
    new_key,
    org_with_campaign,
)
from tests.conftest import csrf_token
from tests.events.helpers import member_with_org


async def _call_task(client: httpx.AsyncClient) -> tuple:
    member, campaign_id = await org_with_campaign()
    task = await create_task(client, member, campaign_id)
    await add_target(client, member, task["id"])
    return member, campaign_id, task


async def test_the_same_key_counts_once(client: httpx.AsyncClient) -> None:
    member, _, task = await _call_task(client)
    key = new_key()
    first = await complete(client, member, task["id"], key, country="NO", note="Friendly")
    assert first.status_code == 201, first.text
    assert first.json()["replayed"] is False and first.json()["count"] == 1
    again = await complete(client, member, task["id"], key, country="NO", note="Friendly")
    assert again.status_code == 200
    assert again.json()["replayed"] is True and again.json()["counted"] is False
    assert again.json()["id"] == first.json()["id"] and again.json()["count"] == 1
    assert await ActionCompletion.count() == 1

    other = await complete(client, member, task["id"], new_key(), country="SE")
    assert other.status_code == 201 and other.json()["count"] == 2


async def test_concurrent_double_taps_count_once(client_factory) -> None:
    async with client_factory() as setup:
        member, _, task = await _call_task(setup)
    key = new_key()
    async with client_factory() as a, client_factory() as b:
        responses = await asyncio.gather(
            complete(a, member, task["id"], key, country="NO"),
            complete(b, member, task["id"], key, country="NO"),
            complete(a, member, task["id"], key, country="NO"),
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 200, 201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert await ActionCompletion.count() == 1
    task_id = uuid.UUID(task["id"])
    assert (await completions.counts_by_task([task_id]))[task_id] == 1


async def test_concurrent_completions_under_a_race_on_the_unique_index(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests miss each other's row before inserting: the UNIQUE index decides.

    SQLite never gets here (BEGIN IMMEDIATE lets one writer in at a time, so the second
    request sees the first one's row); on PostgreSQL the loser's INSERT fails on the
    index, and its retry answers like a replay.
    """
    from server import db

    if db.is_sqlite():
        pytest.skip("SQLite serialises writers (BEGIN IMMEDIATE): no race to stage")
    member, _, task = await _call_task(client)
    real_select = ActionCompletion.select
    arrived = asyncio.Event()
    waiting = 0

    class Blind:
        """The first look for an existing key finds nothing, for both requests at once."""

        def __init__(self, query):
            self.query = query

        def where(self, *args):
            self.query = self.query.where(*args)
            return self

        def first(self):
            return self

        def __await__(self):
            async def run():
                nonlocal waiting
                waiting += 1
                if waiting == 2:
                    arrived.set()
                await asyncio.wait_for(arrived.wait(), timeout=5)
                return None

            return run().__await__()

    calls = 0

    def select(*columns):
        nonlocal calls
        calls += 1
        query = real_select(*columns)
        return Blind(query) if calls <= 2 else query

    real_record = completions._record
    attempts = 0

    async def record(*args, **kwargs):
        nonlocal attempts
        attempts += 1
        return await real_record(*args, **kwargs)

    monkeypatch.setattr(ActionCompletion, "select", staticmethod(select))
    monkeypatch.setattr(completions, "_record", record)
    key = new_key()
    responses = await asyncio.gather(
        complete(client, member, task["id"], key), complete(client, member, task["id"], key)
    )
    monkeypatch.undo()
    assert sorted(r.status_code for r in responses) == [200, 201], [r.text for r in responses]
    assert attempts == 3  # the loser hit the UNIQUE index and tried once more
    assert await ActionCompletion.count() == 1


async def test_counts_per_task_and_campaign_leave_out_no_answer(client: httpx.AsyncClient) -> None:
    member, campaign_id, task = await _call_task(client)
    share = await create_task(client, member, campaign_id, kind="share", title="Share", goal=50)
    for outcome in ("reached", "voicemail", "no_answer", "no_answer", "done"):
        assert (await complete(client, member, task["id"], outcome=outcome)).status_code == 201
    assert (await complete(client, member, share["id"], outcome="done")).status_code == 201

    progress = (await client.get(f"/api/v1/campaigns/{campaign_id}/progress")).json()
    assert progress["count"] == 4 and progress["goal"] == 1050
    by_task = {t["task_id"]: t["count"] for t in progress["tasks"]}
    assert by_task == {task["id"]: 3, share["id"]: 1}
    assert "note" not in str(progress)

    results = (
        await client.get(f"/api/v1/campaigns/{campaign_id}/results", headers=member.bearer)
    ).json()
    assert results["total"] == 6
    assert {r["key"]: r["count"] for r in results["by_outcome"]} == {
        "done": 2,
        "no_answer": 2,
        "reached": 1,
        "voicemail": 1,
    }


async def test_outcomes_must_fit_the_kind(client: httpx.AsyncClient) -> None:
    member, campaign_id, task = await _call_task(client)
    petition = await create_task(client, member, campaign_id, kind="petition", title="Sign")
    bad = await complete(client, member, task["id"], outcome="sent")
    assert bad.status_code == 422 and field_names(bad) == {"outcome"}
    bad = await complete(client, member, petition["id"], outcome="reached")
    assert bad.status_code == 422 and field_names(bad) == {"outcome"}
    bad = await complete(client, member, task["id"], country="XX")
    assert bad.status_code == 422 and field_names(bad) == {"country"}
    bad = await complete(client, member, task["id"], key="short")
    assert bad.status_code == 422 and field_names(bad) == {"Idempotency-Key"}
    bad = await complete(client, member, task["id"], note="x" * 2001)
    assert bad.status_code == 422 and field_names(bad) == {"note"}
    missing = await client.post(
        f"/api/v1/tasks/{task['id']}/completions", json={"outcome": "done"}, headers=member.bearer
    )
    assert missing.status_code == 422 and field_names(missing) == {"Idempotency-Key"}
    assert await ActionCompletion.count() == 0


async def test_anonymous_completion_from_a_browser(client: httpx.AsyncClient) -> None:
    """No account: the CSRF header the page carries is enough; nothing identifies the volunteer."""
    _member, campaign_id, task = await _call_task(client)
    page = await client.get(f"/campaigns/{campaign_id}/actions")
    token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    response = await client.post(
        f"/api/v1/tasks/{task['id']}/completions",
        json={"outcome": "voicemail", "country": "NO"},
        headers={"Idempotency-Key": new_key(), "x-csrftoken": token},
    )
    assert response.status_code == 201, response.text
    [row] = await ActionCompletion.select()
    assert row["volunteer_id"] is None and row["country"] == "NO"
    assert "203.0.113.7" not in str(row)  # the client's address is not stored
    forged = await client.post(
        f"/api/v1/tasks/{task['id']}/completions",
        json={"outcome": "voicemail"},
        headers={"Idempotency-Key": new_key()},
    )
    assert forged.status_code == 403


async def test_notes_are_for_the_organization_only(client: httpx.AsyncClient) -> None:
    member, campaign_id, task = await _call_task(client)
    await complete(client, member, task["id"], note="Officer Hansen was kind")
    stranger = await member_with_org()
    listing = f"/api/v1/campaigns/{campaign_id}/completions"
    mine = await client.get(listing, headers=member.bearer)
    assert mine.status_code == 200
    assert mine.json()["items"][0]["note"] == "Officer Hansen was kind"
    assert mine.headers["cache-control"] == "no-store"
    for headers in ({}, stranger.bearer):
        assert (await client.get(listing, headers=headers)).status_code in (401, 404)
        results = await client.get(f"/api/v1/campaigns/{campaign_id}/results", headers=headers)
        assert results.status_code in (401, 404)
    for url in (
        f"/api/v1/campaigns/{campaign_id}/progress",
        f"/api/v1/campaigns/{campaign_id}/tasks",
        f"/api/v1/tasks/{task['id']}",
        f"/campaigns/{campaign_id}/actions",
        "/actions",
    ):
        response = await client.get(url)
        assert response.status_code == 200, url
        assert "Hansen" not in response.text, url


async def test_archived_tasks_take_no_completions(client: httpx.AsyncClient) -> None:
    member, _, task = await _call_task(client)
    await client.post(f"/api/v1/tasks/{task['id']}/archive", headers=member.bearer)
    assert (await complete(client, member, task["id"])).status_code == 409
    anonymous = await client.post(
        f"/api/v1/tasks/{task['id']}/completions",
        json={"outcome": "done"},
        headers={"Idempotency-Key": new_key(), "Authorization": "Bearer nope"},
    )
    assert anonymous.status_code == 401


async def test_completions_are_rate_limited(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    member, _, task = await _call_task(client)
    monkeypatch.setattr(completions, "COMPLETION_LIMIT", 3)
    statuses = [(await complete(client, member, task["id"])).status_code for _ in range(3)]
    # The page's form counts against the same limit.
    page = f"/campaigns/{task['campaign_id']}/actions"
    token = await csrf_token(client, page)
    form = await client.post(
        f"{page}/{task['id']}/done",
        data={"_csrf_token": token, "key": new_key(), "outcome": "reached"},
    )
    assert statuses == [201, 201, 201] and form.status_code == 429
    assert "retry-after" in form.headers
    assert await ActionCompletion.count() == 3


async def test_forget_volunteer_keeps_the_count(client: httpx.AsyncClient) -> None:
    _member, _, task = await _call_task(client)
    volunteer = uuid.uuid4()
    await ActionCompletion(
        task=task["id"],
        campaign=task["campaign_id"],
        outcome="reached",
        idempotency_key=new_key(),
        volunteer_id=volunteer,
        note="private",
    ).save()
    assert await completions.forget_volunteer(volunteer) == 1
    [row] = await ActionCompletion.select()
    assert row["volunteer_id"] is None and row["note"] == ""
    task_id = uuid.UUID(task["id"])
    assert (await completions.counts_by_task([task_id]))[task_id] == 1
