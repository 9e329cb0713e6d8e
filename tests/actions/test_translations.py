"""Actions in several languages: organizers translate a task's title, instructions, email
subject and script; volunteers reading in that language get them on the campaign's page
(placeholders filled as usual), everyone else the original with a note of its language."""

from __future__ import annotations

import httpx

from server.actions.tables import ActionTaskTranslation
from tests.actions.helpers import add_target, create_task, org_with_campaign
from tests.events.helpers import (
    ClientFactory,
    Member,
    add_member,
    member_with_org,
    post_form,
    sign_in,
)

RU = {"Accept-Language": "ru"}
FR = {"Accept-Language": "fr"}
RU_TASK = {
    "title": "Позвоните в пограничную полицию",
    "instructions": "Попросите впустить беженцев.",
    "subject": "Просьба от {volunteer_name}",
    "script": "Здравствуйте, {target_name}! Меня зовут {volunteer_name}.",
}


def _url(task: dict[str, str], language: str = "ru") -> str:
    return f"/api/v1/tasks/{task['id']}/translations/{language}"


async def _put(
    client: httpx.AsyncClient,
    member: Member,
    task: dict[str, str],
    language: str = "ru",
    **body: str,
) -> httpx.Response:
    return await client.put(_url(task, language), json={**RU_TASK, **body}, headers=member.bearer)


async def test_volunteer_reads_the_action_in_their_language(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    member, campaign_id = await org_with_campaign()
    task = await create_task(client, member, campaign_id)
    await add_target(client, member, task["id"])
    saved = await _put(client, member, task)
    assert saved.status_code == 200, saved.text
    async with client_factory() as volunteer:
        page = await volunteer.get(f"/campaigns/{campaign_id}/actions?country=NO", headers=RU)
        assert page.status_code == 200
        assert RU_TASK["title"] in page.text and RU_TASK["instructions"] in page.text
        # Placeholders are filled in the translated script as in the original.
        assert "Здравствуйте, Border police switchboard!" in page.text
        assert "Call your border police" not in page.text
        french = await volunteer.get(f"/campaigns/{campaign_id}/actions", headers=FR)
        assert "Call your border police" in french.text and "anglais" in french.text
    listed = await client.get(f"/api/v1/tasks/{task['id']}/translations", headers=member.bearer)
    assert [t["language"] for t in listed.json()] == ["ru"]
    gone = await client.delete(_url(task), headers=member.bearer)
    assert gone.status_code == 204 and await ActionTaskTranslation.count() == 0
    again = await client.get(f"/campaigns/{campaign_id}/actions", headers=RU)
    assert "Call your border police" in again.text


async def test_only_organizers_translate_and_bad_texts_write_nothing(
    client: httpx.AsyncClient,
) -> None:
    owner, campaign_id = await org_with_campaign()
    task = await create_task(client, owner, campaign_id)
    viewer = await add_member(owner, "viewer")
    stranger = await member_with_org(name="Other Group")
    assert (await _put(client, viewer, task)).status_code == 403
    assert (await _put(client, stranger, task)).status_code == 404
    for language, body, field in [
        ("xx", {}, "language"),
        ("en", {}, "language"),  # the campaign's own language
        ("ru", {"title": ""}, "title"),
        ("ru", {"title": "a\nb"}, "title"),
        ("ru", {"subject": "x" * 301}, "subject"),
        ("ru", {"script": "Hello {unknown}"}, "script"),
    ]:
        bad = await _put(client, owner, task, language, **body)
        assert bad.status_code == 422, (language, body, bad.text)
        assert field in {e["field"] for e in bad.json()["errors"]}
    assert await ActionTaskTranslation.count() == 0
    stripped = await _put(client, owner, task, title="\u202eTitle\u202c")
    assert stripped.status_code == 200 and stripped.json()["title"] == "Title"
    assert (await client.delete(_url(task), headers=viewer.bearer)).status_code == 403
    assert (await client.delete(_url(task), headers=stranger.bearer)).status_code == 404
    assert await ActionTaskTranslation.count() == 1


async def test_translation_page_needs_csrf_and_shows_errors(client: httpx.AsyncClient) -> None:
    member, campaign_id = await org_with_campaign()
    task = await create_task(client, member, campaign_id)
    await sign_in(client, member.email)
    page = f"/organizer/actions/{task['id']}/translations"
    assert 'href="' + page + '"' in (await client.get(f"/organizer/actions/{task['id']}/edit")).text
    assert (await client.post(page, data={"language": "ru", **RU_TASK})).status_code == 403
    bad = await post_form(client, page, page, {**RU_TASK, "language": "ru", "script": "{oops"})
    assert bad.status_code == 422 and 'id="t-script-error"' in bad.text
    assert await ActionTaskTranslation.count() == 0
    good = await post_form(client, page, page, {**RU_TASK, "language": "ru"})
    assert good.status_code == 303 and RU_TASK["title"] in (await client.get(page)).text
    deleted = await post_form(client, page, f"{page}/ru/delete")
    assert deleted.status_code == 303 and await ActionTaskTranslation.count() == 0
