"""The actions API: tasks, targets, validation naming the field, visibility, OpenAPI."""

from __future__ import annotations

import httpx

from tests.actions.helpers import (
    add_target,
    create_task,
    field_names,
    org_with_campaign,
    target_json,
    task_json,
)
from tests.events.helpers import add_member, create_event, member_with_org


async def test_create_task_with_targets_and_read_it_back(client: httpx.AsyncClient) -> None:
    member, campaign_id = await org_with_campaign()
    task = await create_task(client, member, campaign_id)
    assert task["kind"] == "call" and task["goal"] == 1000 and task["count"] == 0
    await add_target(client, member, task["id"])
    await add_target(client, member, task["id"], country="SE", phone="+46 (0)8-000 000")
    await add_target(
        client, member, task["id"], country="any", name="Your interior ministry", phone="000"
    )

    public = await client.get(f"/api/v1/campaigns/{campaign_id}/tasks")
    assert public.status_code == 200
    [listed] = public.json()
    assert [t["country"] for t in listed["targets"]] == ["any", "NO", "SE"]
    norway = listed["targets"][1]
    assert norway["tel_uri"] == "tel:+4700000000"

    # With a country, only that country's target (or "any" where it has none).
    sweden = (await client.get(f"/api/v1/campaigns/{campaign_id}/tasks?country=se")).json()
    assert [t["country"] for t in sweden[0]["targets"]] == ["SE"]
    france = (await client.get(f"/api/v1/campaigns/{campaign_id}/tasks?country=FR")).json()
    assert [t["country"] for t in france[0]["targets"]] == ["any"]
    bad = await client.get(f"/api/v1/campaigns/{campaign_id}/tasks?country=XX")
    assert bad.status_code == 422 and field_names(bad) == {"country"}


async def test_tasks_without_a_target_for_the_country_are_left_out(
    client: httpx.AsyncClient,
) -> None:
    member, campaign_id = await org_with_campaign()
    call = await create_task(client, member, campaign_id)
    await add_target(client, member, call["id"], country="NO")
    share = await create_task(client, member, campaign_id, kind="share", title="Share", goal=None)
    canada = (await client.get(f"/api/v1/campaigns/{campaign_id}/tasks?country=CA")).json()
    assert [t["id"] for t in canada] == [share["id"]]


async def test_bad_input_names_the_field(client: httpx.AsyncClient) -> None:
    member, campaign_id = await org_with_campaign()
    url = f"/api/v1/campaigns/{campaign_id}/tasks"
    cases = [
        (task_json(script="Hi {target}"), {"script"}),
        (task_json(subject="{volunteer_name.__class__}"), {"subject"}),
        (task_json(script="Hi {city"), {"script"}),
        (task_json(title="  "), {"title"}),
        (task_json(title="x" * 201), {"title"}),
    ]
    for body, fields in cases:
        response = await client.post(url, json=body, headers=member.bearer)
        assert response.status_code == 422, body
        assert field_names(response) == fields
        assert "{target}" in response.text or fields != {"script"} or "brace" in response.text

    schema_error = await client.post(url, json=task_json(kind="telegram"), headers=member.bearer)
    assert schema_error.status_code == 400 and field_names(schema_error) == {"kind"}

    task = await create_task(client, member, campaign_id)
    targets = f"/api/v1/tasks/{task['id']}/targets"
    target_cases = [
        (target_json(country="XX"), {"country"}),
        (target_json(country="Norway"), {"country"}),
        (target_json(url="javascript:alert(1)"), {"url"}),
        (target_json(url="ftp://example.org"), {"url"}),
        (target_json(phone=""), {"phone"}),  # a call needs a number
        (target_json(phone="ring ring"), {"phone"}),
        (target_json(email="not-an-email"), {"email"}),
        (target_json(name=""), {"name"}),
    ]
    for body, fields in target_cases:
        response = await client.post(targets, json=body, headers=member.bearer)
        assert response.status_code == 422, body
        assert field_names(response) == fields, body
    await add_target(client, member, task["id"])
    twice = await client.post(targets, json=target_json(name="Other"), headers=member.bearer)
    assert twice.status_code == 422 and field_names(twice) == {"country"}
    assert "Norway" in twice.text


async def test_event_link_must_be_the_organizations_own(client: httpx.AsyncClient) -> None:
    member, campaign_id = await org_with_campaign()
    mine = await create_event(client, member, publish=True)
    other = await member_with_org()
    theirs = await create_event(client, other, publish=True)
    task = await create_task(client, member, campaign_id, event_id=mine["id"])
    assert task["event"]["id"] == mine["id"] and task["event"]["url"].endswith(mine["id"])
    refused = await client.post(
        f"/api/v1/campaigns/{campaign_id}/tasks",
        json=task_json(event_id=theirs["id"]),
        headers=member.bearer,
    )
    assert refused.status_code == 422 and field_names(refused) == {"event_id"}


async def test_edit_archive_and_order(client: httpx.AsyncClient) -> None:
    member, campaign_id = await org_with_campaign()
    first = await create_task(client, member, campaign_id, title="First")
    second = await create_task(client, member, campaign_id, title="Second", kind="share")
    assert (first["position"], second["position"]) == (0, 1)

    edited = await client.put(
        f"/api/v1/tasks/{first['id']}", json=task_json(title="First, edited"), headers=member.bearer
    )
    assert edited.status_code == 200 and edited.json()["title"] == "First, edited"

    order = await client.put(
        f"/api/v1/campaigns/{campaign_id}/tasks/order",
        json={"task_ids": [second["id"], first["id"]]},
        headers=member.bearer,
    )
    assert order.status_code == 200
    assert [t["title"] for t in order.json()] == ["Second", "First, edited"]
    incomplete = await client.put(
        f"/api/v1/campaigns/{campaign_id}/tasks/order",
        json={"task_ids": [second["id"]]},
        headers=member.bearer,
    )
    assert incomplete.status_code == 422 and field_names(incomplete) == {"task_ids"}

    archived = await client.post(f"/api/v1/tasks/{second['id']}/archive", headers=member.bearer)
    assert archived.json()["archived"] is True
    public = (await client.get(f"/api/v1/campaigns/{campaign_id}/tasks")).json()
    assert [t["title"] for t in public] == ["First, edited"]
    assert (await client.get(f"/api/v1/tasks/{second['id']}")).status_code == 404
    members = await client.get(
        f"/api/v1/campaigns/{campaign_id}/tasks?include_archived=true", headers=member.bearer
    )
    assert len(members.json()) == 2
    restored = await client.post(f"/api/v1/tasks/{second['id']}/unarchive", headers=member.bearer)
    assert restored.json()["archived"] is False


async def test_who_may_write(client: httpx.AsyncClient) -> None:
    member, campaign_id = await org_with_campaign()
    task = await create_task(client, member, campaign_id)
    viewer = await add_member(member, "viewer")
    stranger = await member_with_org()
    url = f"/api/v1/campaigns/{campaign_id}/tasks"
    assert (await client.post(url, json=task_json())).status_code in (401, 403)
    assert (await client.post(url, json=task_json(), headers=viewer.bearer)).status_code == 403
    assert (await client.post(url, json=task_json(), headers=stranger.bearer)).status_code == 404
    put = await client.put(f"/api/v1/tasks/{task['id']}", json=task_json(), headers=stranger.bearer)
    assert put.status_code == 404
    target = await add_target(client, member, task["id"])
    gone = await client.delete(f"/api/v1/targets/{target['id']}", headers=stranger.bearer)
    assert gone.status_code == 404
    assert (
        await client.delete(f"/api/v1/targets/{target['id']}", headers=member.bearer)
    ).status_code == 204


async def test_unapproved_organizations_tasks_are_not_public(client: httpx.AsyncClient) -> None:
    member, campaign_id = await org_with_campaign(approved=False)
    task = await create_task(client, member, campaign_id)
    assert (await client.get(f"/api/v1/campaigns/{campaign_id}/tasks")).status_code == 404
    assert (await client.get(f"/api/v1/tasks/{task['id']}")).status_code == 404
    assert (
        await client.get(f"/api/v1/tasks/{task['id']}", headers=member.bearer)
    ).status_code == 200


async def test_openapi_lists_tasks_targets_and_completions(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/campaigns/{campaign_id}/tasks",
        "/api/v1/tasks/{task_id}",
        "/api/v1/tasks/{task_id}/targets",
        "/api/v1/targets/{target_id}",
        "/api/v1/tasks/{task_id}/completions",
        "/api/v1/campaigns/{campaign_id}/progress",
        "/api/v1/campaigns/{campaign_id}/results",
    ):
        assert path in paths, path
    completion = paths["/api/v1/tasks/{task_id}/completions"]["post"]
    headers = {p["name"] for p in completion["parameters"] if p["in"] == "header"}
    assert {"Idempotency-Key", "X-Signup-Token"} <= headers
    assert "422" in completion["responses"] and "200" in completion["responses"]
