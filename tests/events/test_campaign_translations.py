"""Campaigns in several languages: organizers' translations of a campaign's title and
description, shown on /actions, the campaign's page, an event's campaign line and the API."""

from __future__ import annotations

import uuid

import httpx

from server.events.tables import Campaign, CampaignTranslation
from tests.actions.helpers import campaign_of, create_task
from tests.events.helpers import (
    ClientFactory,
    Member,
    add_member,
    create_event,
    member_with_org,
    post_form,
    sign_in,
)

RU_TITLE = "#НеОтворачивайся"
RU = {"Accept-Language": "ru"}
FR = {"Accept-Language": "fr"}


def _url(campaign_id: uuid.UUID, language: str = "ru") -> str:
    return f"/api/v1/campaigns/{campaign_id}/translations/{language}"


async def _put(
    client: httpx.AsyncClient,
    member: Member,
    campaign_id: uuid.UUID,
    language: str = "ru",
    **body: str,
) -> httpx.Response:
    return await client.put(
        _url(campaign_id, language),
        json={"title": RU_TITLE, "description": "Звоните и пишите.", **body},
        headers=member.bearer,
    )


async def test_readers_see_the_campaign_in_their_language(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    member = await member_with_org()
    campaign_id = await campaign_of(member)
    await create_task(client, member, campaign_id)
    event = await create_event(client, member, publish=True, campaign_id=str(campaign_id))
    saved = await _put(client, member, campaign_id)
    assert saved.status_code == 200, saved.text
    anonymous = client_factory()
    async with anonymous:
        actions = await anonymous.get("/actions", headers=RU)
        assert RU_TITLE in actions.text and "Звоните и пишите." in actions.text
        page = await anonymous.get(f"/campaigns/{campaign_id}/actions", headers=RU)
        assert RU_TITLE in page.text
        # Only the action, still in English, carries a note; the campaign is in Russian.
        assert page.text.count("written-in") == 1
        event_page = await anonymous.get(f"/events/{event['id']}", headers=RU)
        assert RU_TITLE in event_page.text
        home = await anonymous.get("/", headers=RU)
        assert RU_TITLE in home.text
        listed = await anonymous.get(f"/api/v1/organizations/{member.org_id}/campaigns", headers=RU)
        assert listed.json()[0]["title"] == RU_TITLE and listed.json()[0]["language"] == "ru"
        # No French translation: the original, with a note of its language.
        french = await anonymous.get(f"/campaigns/{campaign_id}/actions", headers=FR)
        assert "#DontTurnAway" in french.text and "anglais" in french.text
        assert "anglais" in (await anonymous.get("/actions", headers=FR)).text
    gone = await client.delete(_url(campaign_id), headers=member.bearer)
    assert gone.status_code == 204 and await CampaignTranslation.count() == 0
    assert RU_TITLE not in (await client.get(f"/events/{event['id']}", headers=RU)).text


async def test_only_organizers_translate_campaigns_and_bad_input_writes_nothing(
    client: httpx.AsyncClient,
) -> None:
    owner = await member_with_org()
    campaign_id = await campaign_of(owner)
    viewer = await add_member(owner, "viewer")
    stranger = await member_with_org(name="Other Group")
    assert (await _put(client, viewer, campaign_id)).status_code == 403
    assert (await _put(client, stranger, campaign_id)).status_code == 404
    for language, body in [
        ("xx", {}),
        ("en", {}),
        ("ru", {"title": "a\nb"}),
        ("ru", {"title": ""}),
    ]:
        bad = await _put(client, owner, campaign_id, language, **body)
        assert bad.status_code == 422, bad.text
    too_long = await _put(client, owner, campaign_id, description="x" * 5001)
    assert {e["field"] for e in too_long.json()["errors"]} == {"description"}
    assert await CampaignTranslation.count() == 0
    assert (await _put(client, owner, campaign_id)).status_code == 200
    assert (await client.delete(_url(campaign_id), headers=viewer.bearer)).status_code == 403
    assert (await client.delete(_url(campaign_id), headers=stranger.bearer)).status_code == 404
    assert await CampaignTranslation.count() == 1


async def test_campaign_translation_page_with_csrf(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    campaign_id = await campaign_of(member)
    await sign_in(client, member.email)
    page = f"/organizer/campaigns/{campaign_id}/translations"
    assert (await client.get(page)).status_code == 200
    assert (await client.post(page, data={"language": "ru", "title": RU_TITLE})).status_code == 403
    bad = await post_form(client, page, page, {"language": "en", "title": RU_TITLE})
    assert bad.status_code == 422 and 'id="t-language-error"' in bad.text
    good = await post_form(client, page, page, {"language": "ru", "title": RU_TITLE})
    assert good.status_code == 303 and RU_TITLE in (await client.get(page)).text
    deleted = await post_form(client, page, f"{page}/ru/delete")
    assert deleted.status_code == 303 and await CampaignTranslation.count() == 0


async def test_new_campaign_takes_the_chosen_or_request_language(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    base = f"/api/v1/organizations/{member.org_id}/campaigns"
    german = await client.post(
        base, json={"title": "Kampagne"}, headers={**member.bearer, "Accept-Language": "de"}
    )
    assert german.status_code == 201 and german.json()["language"] == "de"
    chosen = await client.post(
        base, json={"title": "Campaign", "language": "ar"}, headers=member.bearer
    )
    assert chosen.json()["language"] == "ar"
    bad = await client.post(
        base, json={"title": "Campaign", "language": "xx"}, headers=member.bearer
    )
    assert bad.status_code == 422 and await Campaign.count() == 2
