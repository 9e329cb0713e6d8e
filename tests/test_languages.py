"""Languages end to end: choosing one, pages, caches, feeds, mail, problems, account setting.

Expected texts come from the catalogues themselves (``i18n.gettext(msgid, code)``) and
each test first checks that the text really is translated, so a lost catalogue entry
fails here instead of passing with English on both sides.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_date, format_skeleton

from server import i18n
from server.accounts.tables import Organizer
from server.actions import service as actions_service
from server.geo import country_names
from server.signups.tables import Signup
from tests.conftest import csrf_token
from tests.events.helpers import create_event, member_with_org, sign_in
from tests.signups.helpers import api_csrf, mails_to, person, published_event


def translated(msgid: str, code: str) -> str:
    text = i18n.gettext(msgid, code)
    assert text != msgid, f"{msgid!r} is not translated into {code}"
    return text


# --- choosing the language ------------------------------------------------------------


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        (None, None, "en"),
        (None, "ru", "ru"),
        (None, "fr-CA,fr;q=0.9,en;q=0.8", "fr"),  # base language for a region
        (None, "de;q=0.5, ar;q=0.9", "ar"),  # quality, not order
        (None, "es;q=0.7, it;q=0.7", "es"),  # equal quality: the first
        (None, "zh-CN, ja;q=0.9", "en"),  # none we speak: the default
        (None, "ru;q=0, de", "de"),  # q=0 means "not this one"
        (None, "ru;q=abc, de;q=0.1", "de"),  # a broken entry is skipped
        ("it", "ru", "it"),  # an explicit choice beats the browser
        ("xx", "ru", "ru"),  # an unknown cookie is no choice
        (None, "r" * 10_000, "en"),  # huge junk
        (None, ",".join(["xx"] * 1000) + ",ar", "en"),  # only the first entries count
    ],
)
def test_choose_the_language(cookie: str | None, header: str | None, expected: str) -> None:
    assert i18n.choose(cookie, header) == expected


async def test_pages_speak_the_browsers_language_and_say_so(client: httpx.AsyncClient) -> None:
    page = await client.get("/actions", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert page.status_code == 200
    assert '<html lang="ru" dir="ltr">' in page.text
    assert translated("Skip to content", "ru") in page.text
    assert page.headers["content-language"] == "ru"
    vary = {v.strip().lower() for v in page.headers["vary"].split(",")}
    assert {"accept-language", "cookie"} <= vary
    english = await client.get("/actions")
    assert '<html lang="en" dir="ltr">' in english.text
    assert "Skip to content" in english.text
    assert english.headers["content-language"] == "en"


async def test_arabic_pages_run_right_to_left(client: httpx.AsyncClient) -> None:
    page = await client.get("/", headers={"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in page.text
    assert translated("Quick exit", "ar") in page.text
    # Every language is offered in its own name, marked with its own code.
    for code, name in i18n.LANGUAGES.items():
        assert f'hreflang="{code}" lang="{code}"' in page.text
        assert name in page.text


async def test_the_switcher_remembers_a_choice_in_a_cookie_with_the_code_alone(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.get("/language/de", params={"next": "/actions?campaign=x"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/actions?campaign=x"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("lang=de;")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    # The cookie beats the browser's own list from now on.
    page = await client.get("/actions", headers={"Accept-Language": "ru"})
    assert '<html lang="de"' in page.text
    assert page.headers["content-language"] == "de"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/", "https://evil.example/", "/\\evil.example", "/\t/evil", "javascript:x", ""],
)
async def test_the_switcher_never_leaves_the_site(client: httpx.AsyncClient, target: str) -> None:
    answer = await client.get("/language/fr", params={"next": target})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


async def test_an_unknown_language_sets_nothing(client: httpx.AsyncClient) -> None:
    for code in ("xx", "ru;domain=evil.example", "en" * 200):
        answer = await client.get(f"/language/{code}", params={"next": "/"})
        assert answer.status_code in (303, 404)
        assert "set-cookie" not in answer.headers


async def test_a_link_with_lang_speaks_that_language_once(client: httpx.AsyncClient) -> None:
    """Links in mail carry the recipient's language; nothing is remembered from them."""
    page = await client.get("/actions?lang=es", headers={"Accept-Language": "de"})
    assert '<html lang="es"' in page.text
    assert "lang=" not in page.headers.get("set-cookie", "")
    again = await client.get("/actions", headers={"Accept-Language": "de"})
    assert '<html lang="de"' in again.text


# --- caches, dates ------------------------------------------------------------------------


async def test_cached_event_pages_never_answer_in_another_readers_language(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client)
    path = f"/events/{event['id']}"
    english = await client.get(path)
    russian = await client.get(path, headers={"Accept-Language": "ru"})
    assert english.status_code == russian.status_code == 200
    assert '<html lang="en"' in english.text and '<html lang="ru"' in russian.text
    assert english.headers["etag"] != russian.headers["etag"]
    # A Russian reader revalidating with the English copy's tag gets the Russian page.
    crossed = await client.get(
        path, headers={"Accept-Language": "ru", "If-None-Match": english.headers["etag"]}
    )
    assert crossed.status_code == 200 and '<html lang="ru"' in crossed.text
    same = await client.get(
        path, headers={"Accept-Language": "ru", "If-None-Match": russian.headers["etag"]}
    )
    assert same.status_code == 304
    assert "accept-language" in same.headers["vary"].lower()  # a 304 says it varies too


async def test_event_times_are_written_the_readers_way(client: httpx.AsyncClient) -> None:
    _, event = await published_event(client)
    starts = datetime.fromisoformat(event["starts_at"]).astimezone(UTC)
    page = await client.get(f"/events/{event['id']}", headers={"Accept-Language": "de"})
    local = starts.astimezone(ZoneInfo(event["timezone"]))
    german_day = format_skeleton("yMMMEd", local, locale="de")
    assert german_day in page.text
    assert local.strftime("%H:%M") in page.text  # 24-hour
    english = await client.get(f"/events/{event['id']}")
    assert format_skeleton("yMMMEd", local, locale="en_GB") in english.text
    assert local.strftime("%H:%M") in english.text  # Europe's English: 18:00, not 6:00 PM


# --- feeds and calendar files -----------------------------------------------------------


async def test_feeds_write_their_own_texts_in_the_language_asked_for(
    client: httpx.AsyncClient,
) -> None:
    await published_event(client)
    plain = await client.get("/feeds/events.ics")
    russian = await client.get("/feeds/events.ics", params={"lang": "ru"})
    assert plain.status_code == russian.status_code == 200
    assert "Upcoming events" in plain.text
    assert translated("Upcoming events", "ru").split()[0] in russian.text
    assert plain.headers["etag"] != russian.headers["etag"]
    # The calendar's identity does not depend on the language: no duplicate calendars.
    uid = re.compile(r"^UID:(.+)$", re.M)
    assert uid.findall(plain.text) == uid.findall(russian.text)
    # A language we do not speak is the source language, not an error.
    other = await client.get("/feeds/events.ics", params={"lang": "xx"})
    assert other.status_code == 200 and other.headers["etag"] == plain.headers["etag"]


async def test_the_subscribe_links_carry_the_pages_language(client: httpx.AsyncClient) -> None:
    await published_event(client)
    page = await client.get("/", headers={"Accept-Language": "fr"})
    assert "/feeds/events.ics?lang=fr" in page.text


# --- volunteers' mail ---------------------------------------------------------------------


async def test_a_volunteers_mail_is_written_in_the_language_they_rsvped_in(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client)
    body = person()
    headers = {**await api_csrf(client), "Accept-Language": "ru"}
    answer = await client.post(f"/api/v1/events/{event['id']}/signups", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    rows = await Signup.select(Signup.language).where(Signup.volunteer.email == body["email"])
    assert [r["language"] for r in rows] == ["ru"]
    mail = (await mails_to(body["email"]))[0]  # the confirmation
    assert translated("Thank you: you are signed up.", "ru") in mail["text_body"]
    subject = translated("You're going: %(title)s", "ru") % {"title": event["title"]}
    assert mail["subject"] == subject
    local = datetime.fromisoformat(event["starts_at"]).astimezone(ZoneInfo(event["timezone"]))
    assert format_date(local, "d MMMM y", locale="ru") in mail["text_body"]  # "19 декабря 2026"
    assert "?lang=ru" in mail["text_body"]  # its links open in Russian
    assert not re.search(r"\b(AM|PM)\b", mail["text_body"])


# --- problems and form errors -----------------------------------------------------------


async def test_api_problems_explain_themselves_in_the_readers_language(
    client: httpx.AsyncClient,
) -> None:
    _, event = await published_event(client)
    headers = {**await api_csrf(client), "Accept-Language": "fr"}
    answer = await client.post(
        f"/api/v1/events/{event['id']}/signups",
        json=person(email="not-an-address"),
        headers=headers,
    )
    assert answer.status_code == 422 or answer.status_code == 400
    assert answer.headers["content-language"] == "fr"
    messages = {e["field"]: e["message"] for e in answer.json()["errors"]}
    english = await client.post(
        f"/api/v1/events/{event['id']}/signups",
        json=person(email="not-an-address"),
        headers=await api_csrf(client),
    )
    english_messages = {e["field"]: e["message"] for e in english.json()["errors"]}
    assert messages.keys() == english_messages.keys()
    assert messages["email"] == translated(english_messages["email"], "fr")


# --- the organizer's account language ------------------------------------------------------


async def test_an_organizer_chooses_the_accounts_language(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    await sign_in(client, member.email)
    token = await csrf_token(client, "/organizer/security")
    answer = await client.post(
        "/organizer/security/language", data={"language": "ar", "_csrf_token": token}
    )
    assert answer.status_code == 303
    assert answer.headers["set-cookie"].startswith("lang=ar;")
    row = await Organizer.select(Organizer.locale).where(Organizer.id == member.who.id).first()
    assert row is not None and row["locale"] == "ar"
    page = await client.get("/organizer/security")
    assert '<html lang="ar" dir="rtl">' in page.text
    assert 'value="ar" lang="ar" selected' in page.text


async def test_an_account_language_must_be_one_we_speak(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    await sign_in(client, member.email)
    token = await csrf_token(client, "/organizer/security")
    answer = await client.post(
        "/organizer/security/language", data={"language": "xx", "_csrf_token": token}
    )
    assert 400 <= answer.status_code < 500
    row = await Organizer.select(Organizer.locale).where(Organizer.id == member.who.id).first()
    assert row is not None and row["locale"] == "en"
    unsigned = await client.post("/organizer/security/language", data={"language": "ru"})
    assert unsigned.status_code == 403  # CSRF


async def test_event_titles_organizers_wrote_stay_as_written(client: httpx.AsyncClient) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True, title="Vigil at the Embassy")
    page = await client.get(f"/events/{event['id']}", headers={"Accept-Language": "ar"})
    assert "Vigil at the Embassy" in page.text
    assert 'dir="auto"' in page.text  # user-written text keeps its own direction


async def test_the_installed_app_is_named_in_the_readers_language(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/", headers={"Accept-Language": "ar"})
    assert 'href="/manifest.webmanifest?lang=ar"' in page.text
    manifest = (await client.get("/manifest.webmanifest?lang=ar")).json()
    assert manifest["lang"] == "ar" and manifest["dir"] == "rtl"
    english = "Find rallies near you, sign up, and act for human rights."
    assert manifest["description"] == translated(english, "ar")
    assert (await client.get("/manifest.webmanifest")).json()["description"] == english


@pytest.mark.parametrize(("places", "form"), [(1, 0), (2, 1), (5, 2), (21, 0), (11, 2)])
async def test_places_left_use_russian_plural_forms(
    client: httpx.AsyncClient, places: int, form: int
) -> None:
    """Russian has three forms: 1 and 21 (one), 2 (few), 5 and 11 (many)."""
    _, event = await published_event(client, capacity=places)
    block = await client.get(f"/events/{event['id']}/rsvp", headers={"Accept-Language": "ru"})
    patterns = [
        i18n.ngettext("%(num)d place left", "%(num)d places left", n, "ru") for n in (1, 2, 5)
    ]
    assert len(set(patterns)) == 3  # three different words for the three forms
    assert patterns[form] % {"num": places} in block.text


async def test_the_api_schema_says_how_problems_speak(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    assert "Accept-Language" in schema["info"]["description"]


async def test_an_event_tomorrow_says_so_in_the_readers_language(
    client: httpx.AsyncClient,
) -> None:
    tomorrow = (datetime.now(ZoneInfo("Europe/Berlin")) + timedelta(days=1)).date().isoformat()
    _, event = await published_event(
        client, starts_at=f"{tomorrow}T18:00:00", ends_at=f"{tomorrow}T20:00:00"
    )
    assert event["timezone"] == "Europe/Berlin"
    german = await client.get(f"/events/{event['id']}", headers={"Accept-Language": "de"})
    assert "Morgen, 18:00" in german.text
    cards = await client.get("/", params={"place": "Berlin"}, headers={"Accept-Language": "ru"})
    assert "Завтра, 18:00" in cards.text


async def test_country_names_come_from_cldr_in_the_readers_language() -> None:
    german = country_names.country_choices("de")
    codes = [code for code, _ in german]
    assert dict(german)["DE"] == "Deutschland"
    # Sorted as German readers sort: Österreich among the O's.
    assert codes.index("OM") < codes.index("AT") < codes.index("PK")
    assert "AN" not in codes and "CS" not in codes  # current countries only
    token = i18n.current.set("ru")
    try:
        assert actions_service.country_name("DE") == "Германия"  # action targets too
    finally:
        i18n.current.reset(token)
