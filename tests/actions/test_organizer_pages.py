"""Organizer pages: the task form and its targets, order and archive, results, CSV."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import httpx

from server.actions.tables import ActionTarget, ActionTask
from tests.actions.helpers import add_target, complete, create_task, org_with_campaign
from tests.events.helpers import add_member, member_with_org, post_form, sign_in


async def _one(table: Any) -> dict[str, Any]:
    row: dict[str, Any] | None = await table.select().first()
    assert row is not None
    return row


def _task_form(**overrides: str) -> dict[str, str]:
    form = {
        "kind": "call",
        "title": "Call your border police",
        "instructions": "",
        "subject": "",
        "script": "Hello {target_name}",
        "goal": "1,000",
        "event_id": "",
    }
    form.update(overrides)
    return form


async def test_create_an_action_and_its_targets_with_forms(client: httpx.AsyncClient) -> None:
    member, campaign_id = await org_with_campaign()
    await sign_in(client, member.email)
    manage = await client.get(f"/organizer/campaigns/{campaign_id}/actions")
    assert manage.status_code == 200 and manage.headers["cache-control"] == "no-store"
    new = f"/organizer/campaigns/{campaign_id}/actions/new"

    bad = await post_form(client, new, new, _task_form(script="Hi {name}", goal="lots"))
    assert bad.status_code == 422
    assert "Unknown placeholder {name}" in bad.text
    assert 'id="script" name="script"' in bad.text and "Hi {name}</textarea>" in bad.text
    assert re.search(r'id="goal"[^>]*aria-invalid="true"', bad.text)
    assert await ActionTask.count() == 0

    created = await post_form(client, new, new, _task_form())
    assert created.status_code == 303
    edit = created.headers["location"]
    task = await _one(ActionTask)
    assert edit == f"/organizer/actions/{task['id']}/edit" and task["goal"] == 1000

    targets = f"/organizer/actions/{task['id']}/targets"
    bad_target = await post_form(
        client,
        edit,
        targets,
        {"country": "NO", "name": "Police", "phone": "+47 00", "url": "javascript:x"},
    )
    assert bad_target.status_code == 422
    assert "Use an http:// or https:// link." in bad_target.text
    assert re.search(r'id="target-url"[^>]*aria-invalid="true"', bad_target.text)
    added = await post_form(
        client, edit, targets, {"country": "NO", "name": "Police", "phone": "+47 00 00 00 00"}
    )
    assert added.status_code == 303
    target = await _one(ActionTarget)
    page = await client.get(edit)
    assert "Police" in page.text and "Norway" in page.text

    target_edit = f"/organizer/targets/{target['id']}/edit"
    unknown = await post_form(
        client, target_edit, target_edit, {"country": "XX", "name": "Police", "phone": "1234"}
    )
    assert unknown.status_code == 422 and "two-letter ISO country code" in unknown.text
    saved = await post_form(
        client, target_edit, target_edit, {"country": "any", "name": "Police HQ", "phone": "1234"}
    )
    assert saved.status_code == 303
    assert (await _one(ActionTarget))["country"] == "any"
    removed = await post_form(client, edit, f"/organizer/targets/{target['id']}/delete")
    assert removed.status_code == 303 and await ActionTarget.count() == 0

    updated = await post_form(client, edit, edit, _task_form(title="Call the police", goal=""))
    assert updated.status_code == 303
    row = await _one(ActionTask)
    assert row["title"] == "Call the police" and row["goal"] is None


async def test_order_and_archive_with_buttons(client: httpx.AsyncClient) -> None:
    member, campaign_id = await org_with_campaign()
    first = await create_task(client, member, campaign_id, title="First")
    second = await create_task(client, member, campaign_id, title="Second", kind="share")
    await sign_in(client, member.email)
    manage = f"/organizer/campaigns/{campaign_id}/actions"
    moved = await post_form(
        client, manage, f"/organizer/actions/{second['id']}/move", {"direction": "up"}
    )
    assert moved.status_code == 303
    rows = await ActionTask.select(ActionTask.title).order_by(ActionTask.position)
    assert [r["title"] for r in rows] == ["Second", "First"]
    archived = await post_form(client, manage, f"/organizer/actions/{first['id']}/archive")
    assert archived.status_code == 303
    public = await client.get(f"/campaigns/{campaign_id}/actions")
    assert "Second" in public.text and f'id="task-{first["id"]}"' not in public.text
    page = await client.get(manage)
    assert "Archived" in page.text and "Restore" in page.text


async def test_viewers_read_and_strangers_get_404(client_factory) -> None:
    member, campaign_id = await org_with_campaign()
    async with client_factory() as setup:
        task = await create_task(setup, member, campaign_id)
    viewer = await add_member(member, "viewer")
    stranger = await member_with_org()
    async with client_factory() as as_viewer:
        await sign_in(as_viewer, viewer.email)
        manage = await as_viewer.get(f"/organizer/campaigns/{campaign_id}/actions")
        assert manage.status_code == 200 and "New action" not in manage.text
        assert (
            await as_viewer.get(f"/organizer/campaigns/{campaign_id}/actions/results")
        ).status_code == 200
        assert (await as_viewer.get(f"/organizer/actions/{task['id']}/edit")).status_code == 403
    async with client_factory() as as_stranger:
        await sign_in(as_stranger, stranger.email)
        for url in (
            f"/organizer/campaigns/{campaign_id}/actions",
            f"/organizer/campaigns/{campaign_id}/actions/results",
            f"/organizer/campaigns/{campaign_id}/actions/results.csv",
            f"/organizer/actions/{task['id']}/edit",
        ):
            assert (await as_stranger.get(url)).status_code == 404, url
    async with client_factory() as anonymous:
        login = await anonymous.get(f"/organizer/campaigns/{campaign_id}/actions/results")
        assert login.status_code == 303 and login.headers["location"].startswith("/login")


async def test_results_chart_table_and_csv(client: httpx.AsyncClient) -> None:
    member, campaign_id = await org_with_campaign()
    task = await create_task(client, member, campaign_id, title="=cmd|' /C calc'!A0")
    await add_target(client, member, task["id"])
    await complete(
        client, member, task["id"], outcome="reached", country="NO", note='=HYPERLINK("x")'
    )
    await complete(
        client, member, task["id"], outcome="voicemail", country="SE", note='Ødegård, "kind"'
    )
    await complete(client, member, task["id"], outcome="no_answer")
    await sign_in(client, member.email)

    page = await client.get(f"/organizer/campaigns/{campaign_id}/actions/results")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    assert html.count('role="img"') == 2
    assert '<title id="chart-outcome-title">Completions per day, by outcome</title>' in html
    assert '<desc id="chart-country-desc">3 completions in all.' in html
    assert "Reached someone" in html and "Left a voicemail" in html and "Not given" in html
    assert "Norway" in html and "Sweden" in html
    assert "=HYPERLINK(&#34;x&#34;)" in html or "=HYPERLINK(&quot;x&quot;)" in html
    assert (
        '<table id="table-outcome">' in html
        and "<caption>Completions over time, by outcome" in html
    )

    export = await client.get(f"/organizer/campaigns/{campaign_id}/actions/results.csv")
    assert export.status_code == 200
    assert export.headers["cache-control"] == "no-store"
    assert export.headers["content-type"].startswith("text/csv")
    assert "attachment" in export.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0] == [
        "created_at_utc",
        "action",
        "kind",
        "outcome",
        "country",
        "from_signup",
        "note",
    ]
    assert len(rows) == 4
    assert rows[1][1] == "'=cmd|' /C calc'!A0"
    assert rows[1][6] == '\'=HYPERLINK("x")'
    assert rows[2][6] == 'Ødegård, "kind"'
    assert [r[3] for r in rows[1:]] == ["reached", "voicemail", "no_answer"]


async def test_results_say_how_their_total_meets_the_public_count(
    client: httpx.AsyncClient,
) -> None:
    member, campaign_id = await org_with_campaign()
    call = await create_task(client, member, campaign_id)
    for outcome in ("reached", "reached", "no_answer"):
        assert (await complete(client, member, call["id"], outcome=outcome)).status_code == 201
    public = await client.get(f"/campaigns/{campaign_id}/actions")
    assert re.search(r"\b2 of \S+ done", public.text)  # what the public sees: 2
    await sign_in(client, member.email)
    results = await client.get(f"/organizer/campaigns/{campaign_id}/actions/results")
    assert "3 completions in all" in results.text
    assert "2 of them count as done, as on the public page" in results.text
