"""Events in several languages: organizers' translations, "Written in", spoken languages.

Readers see the translation into their language where there is one (event page, search
cards, the API), else the original with a note of its language; calendars keep the
original. Only those who may edit the event write translations (403 / 404 otherwise),
every write bumps the change version (no stale cached page), bad input writes nothing.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.events.tables import Event, EventTranslation
from tests.events.helpers import (
    ClientFactory,
    Member,
    add_member,
    create_event,
    event_form,
    event_json,
    member_with_org,
    post_form,
    sign_in,
)

RU_TITLE = "Бдение за Чечню"
RU = {"Accept-Language": "ru"}
FR = {"Accept-Language": "fr"}


@pytest.fixture
def anonymous(client_factory: ClientFactory) -> httpx.AsyncClient:
    return client_factory()


def _url(event: dict[str, Any], language: str = "ru") -> str:
    return f"/api/v1/events/{event['id']}/translations/{language}"


async def _put(
    client: httpx.AsyncClient,
    member: Member,
    event: dict[str, Any],
    language: str = "ru",
    **body: Any,
) -> httpx.Response:
    body = {"title": RU_TITLE, "description": "Приходите все.", **body}
    return await client.put(_url(event, language), json=body, headers=member.bearer)


async def _fields(response: httpx.Response) -> set[str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return {e["field"] for e in response.json()["errors"]}


async def test_reader_in_russian_sees_the_translation_everywhere(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True, spoken_languages=["de", "ru"])
    assert event["language"] == "en" and event["spoken_languages"] == ["de", "ru"]
    saved = await _put(client, member, event)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {"language": "ru", "title": RU_TITLE, "description": "Приходите все."}
    async with anonymous:
        page = await anonymous.get(f"/events/{event['id']}", headers=RU)
        assert page.status_code == 200
        assert RU_TITLE in page.text and "Приходите все." in page.text
        assert "Vigil for Chechnya" not in page.text
        assert "written-in" not in page.text  # the reader's own language: no note
        assert "немецкий" in page.text and "русский" in page.text  # spoken, named in Russian
        home = await anonymous.get("/", headers=RU)
        assert RU_TITLE in home.text and "Vigil for Chechnya" not in home.text
        api = (await anonymous.get(f"/api/v1/events/{event['id']}", headers=RU)).json()
        assert api["title"] == RU_TITLE and api["language"] == "ru"
        assert api["original_language"] == "en"
        listed = (await anonymous.get("/api/v1/events", headers=RU)).json()
        assert [e["title"] for e in listed["items"]] == [RU_TITLE]
        # Readers in English still get the original, with no note either.
        english = await anonymous.get(f"/events/{event['id']}", headers={"Accept-Language": "en"})
        assert "Vigil for Chechnya" in english.text and "written-in" not in english.text
    # Members (and their API answers) read what they wrote; the calendar keeps it too.
    member_view = (await client.get(f"/api/v1/events/{event['id']}", headers=member.bearer)).json()
    assert member_view["title"] == "Vigil for Chechnya"
    ics = await client.get(f"/events/{event['id']}.ics", headers=RU)
    assert "Vigil for Chechnya" in ics.text and RU_TITLE not in ics.text


async def test_reader_without_a_translation_sees_the_original_and_its_language(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True, spoken_languages=["de", "ce"])
    assert (await _put(client, member, event)).status_code == 200
    async with anonymous:
        page = await anonymous.get(f"/events/{event['id']}", headers=FR)
        assert "Vigil for Chechnya" in page.text and RU_TITLE not in page.text
        assert "written-in" in page.text and "anglais" in page.text  # English, named in French
        assert "allemand" in page.text and "tchétchène" in page.text
        home = await anonymous.get("/", headers=FR)
        assert "Vigil for Chechnya" in home.text and "anglais" in home.text
        assert "allemand" in home.text
        api = (await anonymous.get(f"/api/v1/events/{event['id']}", headers=FR)).json()
        assert api["title"] == "Vigil for Chechnya" and api["language"] == "en"


async def test_cached_page_changes_when_a_translation_is_added_or_deleted(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True)
    async with anonymous:
        before = await anonymous.get(f"/events/{event['id']}", headers=RU)
        home_before = await anonymous.get("/", headers=RU)
        assert "Vigil for Chechnya" in before.text and "Vigil for Chechnya" in home_before.text
        assert (await _put(client, member, event)).status_code == 200
        after = await anonymous.get(
            f"/events/{event['id']}", headers={**RU, "If-None-Match": before.headers["etag"]}
        )
        assert after.status_code == 200 and RU_TITLE in after.text
        assert RU_TITLE in (await anonymous.get("/", headers=RU)).text
        gone = await client.delete(_url(event), headers=member.bearer)
        assert gone.status_code == 204
        again = await anonymous.get(f"/events/{event['id']}", headers=RU)
        assert "Vigil for Chechnya" in again.text and RU_TITLE not in again.text
    assert await EventTranslation.count() == 0
    missing = await client.delete(_url(event), headers=member.bearer)
    assert missing.status_code == 404


async def test_only_those_who_may_edit_the_event_write_translations(
    client: httpx.AsyncClient,
) -> None:
    owner = await member_with_org()
    event = await create_event(client, owner, publish=True)
    viewer = await add_member(owner, "viewer")
    stranger = await member_with_org(name="Other Group")
    assert (await _put(client, viewer, event)).status_code == 403
    assert (await _put(client, stranger, event)).status_code == 404
    assert (await client.put(_url(event), json={"title": "x"})).status_code in (401, 403)
    # Whatever the body, a stranger learns nothing but 404; the organizer gets the 422.
    empty = await client.put(_url(event), json={"other": 1}, headers=stranger.bearer)
    assert empty.status_code == 404
    missing = await client.put(_url(event), json={}, headers=owner.bearer)
    assert missing.status_code == 422 and "title" in await _fields(missing)
    assert await EventTranslation.count() == 0
    assert (await _put(client, owner, event)).status_code == 200
    assert (await client.delete(_url(event), headers=viewer.bearer)).status_code == 403
    assert (await client.delete(_url(event), headers=stranger.bearer)).status_code == 404
    assert await EventTranslation.count() == 1
    # Organizers may list them; the API says nothing of them to a stranger.
    listed = await client.get(f"/api/v1/events/{event['id']}/translations", headers=owner.bearer)
    assert [t["language"] for t in listed.json()] == ["ru"]
    hidden = await client.get(f"/api/v1/events/{event['id']}/translations", headers=stranger.bearer)
    assert hidden.status_code == 404


@pytest.mark.parametrize(
    ("language", "body", "field"),
    [
        ("xx", {}, "language"),
        ("en", {}, "language"),  # the language the event is written in
        ("ru", {"title": "   "}, "title"),
        ("ru", {"title": "x" * 201}, "title"),
        ("ru", {"title": "two\nlines"}, "title"),
        ("ru", {"description": "x" * 20_001}, "description"),
        ("ru", {"description": "bad \x00 byte"}, "description"),
    ],
)
async def test_bad_translations_are_refused_and_nothing_is_written(
    client: httpx.AsyncClient, language: str, body: dict[str, str], field: str
) -> None:
    member = await member_with_org()
    event = await create_event(client, member)
    response = await _put(client, member, event, language, **body)
    assert response.status_code == 422, response.text
    assert field in await _fields(response)
    assert await EventTranslation.count() == 0


async def test_bidi_controls_are_stripped_from_translated_titles(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    event = await create_event(client, member)
    response = await _put(
        client, member, event, title=f"\u202e{RU_TITLE[:6]}\u2066{RU_TITLE[6:]}\u2069"
    )
    assert response.status_code == 200
    assert response.json()["title"] == RU_TITLE
    assert await EventTranslation.select(EventTranslation.title).first() == {"title": RU_TITLE}


async def test_edit_page_adds_and_deletes_translations_with_csrf(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True)
    await sign_in(client, member.email)
    page = f"/organizer/events/{event['id']}/edit"
    action = f"/organizer/events/{event['id']}/translations"
    edit = await client.get(page)
    assert 'id="translations"' in edit.text and 'name="language"' in edit.text
    assert (
        'id="t-language"' in edit.text
        and '<option value="en"' not in edit.text.split('id="t-language"')[1].split("</select>")[0]
    )
    no_token = await client.post(action, data={"language": "ru", "title": RU_TITLE})
    assert no_token.status_code == 403
    bad = await post_form(client, page, action, {"language": "ru", "title": "a\nb"})
    assert bad.status_code == 422 and 'id="t-title-error"' in bad.text
    assert await EventTranslation.count() == 0
    good = await post_form(client, page, action, {"language": "ru", "title": RU_TITLE})
    assert good.status_code == 303 and good.headers["location"].endswith("#translations")
    assert RU_TITLE in (await client.get(page)).text
    delete_action = f"{action}/ru/delete"
    assert (await client.post(delete_action)).status_code == 403  # no token
    assert await EventTranslation.count() == 1
    deleted = await post_form(client, page, delete_action)
    assert deleted.status_code == 303 and await EventTranslation.count() == 0


async def test_viewer_cannot_use_the_translation_form(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    owner = await member_with_org()
    event = await create_event(client, owner, publish=True)
    viewer = await add_member(owner, "viewer")
    async with client_factory() as other:
        await sign_in(other, viewer.email)
        denied = await post_form(
            other,
            "/",
            f"/organizer/events/{event['id']}/translations",
            {"language": "ru", "title": "x"},
        )
        assert denied.status_code == 403
    assert await EventTranslation.count() == 0


async def test_event_language_and_spoken_languages_are_checked(
    client: httpx.AsyncClient,
) -> None:
    member = await member_with_org()
    base = f"/api/v1/organizations/{member.org_id}/events"
    bad = await client.post(
        base,
        json=event_json(language="xx", spoken_languages=["de", "klingon"]),
        headers=member.bearer,
    )
    assert bad.status_code == 422
    assert {"language", "spoken_languages"} <= await _fields(bad)
    many = ["de", "ru", "fr", "it", "es", "ar", "en", "tr", "fa"]
    too_many = await client.post(
        base, json=event_json(spoken_languages=many), headers=member.bearer
    )
    assert "spoken_languages" in await _fields(too_many)
    assert await Event.count() == 0
    # A new event is written in the request's language unless told otherwise.
    german = await client.post(
        base,
        json=event_json(spoken_languages=["DE", "ru", "de"]),
        headers={**member.bearer, "Accept-Language": "de"},
    )
    assert german.status_code == 201
    assert german.json()["language"] == "de" and german.json()["spoken_languages"] == ["de", "ru"]
    # An edit without a language keeps the event's.
    edited = await client.put(
        f"/api/v1/events/{german.json()['id']}", json=event_json(), headers=member.bearer
    )
    assert edited.json()["language"] == "de" and edited.json()["spoken_languages"] == []


async def test_event_form_sets_written_and_spoken_languages(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    await sign_in(client, member.email)
    page = f"/organizer/orgs/{member.org_id}/events/new"
    bad = await post_form(client, page, page, event_form(language="ru", spoken_languages="de, zz"))
    assert bad.status_code == 422 and 'id="spoken_languages-error"' in bad.text
    good = await post_form(client, page, page, event_form(language="ru", spoken_languages="de ce"))
    assert good.status_code == 303
    row = await Event.select(Event.language, Event.spoken_languages).first()
    assert row == {"language": "ru", "spoken_languages": "de,ce"}


async def test_distance_on_cards_uses_the_readers_number_format(
    client: httpx.AsyncClient,
) -> None:
    from tests.events.test_search import add_event, approved_org, destination

    org = await approved_org()
    await add_event(org, *destination(52.52, 13.40, 0, 3.2), title="Three km north")
    near = {"near": "52.52,13.40", "radius_km": "10"}
    german = await client.get("/", params=near, headers={"Accept-Language": "de"})
    english = await client.get("/", params=near, headers={"Accept-Language": "en"})
    assert "Three km north" in german.text
    assert "3,2 km" in german.text and "3.2 km" in english.text


async def test_a_second_put_replaces_the_translation(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True)
    assert (await _put(client, member, event)).status_code == 200
    again = await _put(client, member, event, title="Бдение возле посольства", description="")
    assert again.status_code == 200 and again.json()["title"] == "Бдение возле посольства"
    rows = await EventTranslation.select().where(EventTranslation.event == event["id"])
    assert [(r["language"], r["title"], r["description"]) for r in rows] == [
        ("ru", "Бдение возле посольства", "")
    ]
    gone = await client.delete(_url(event), headers=member.bearer)
    assert gone.status_code == 204
    assert (await client.delete(_url(event), headers=member.bearer)).status_code == 404
