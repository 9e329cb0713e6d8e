"""The public event page at cache speed (issue 13): a strong ETag, 304s, no cookies.

Anonymous readers of a listed event all get the same bytes, so the page has a strong
ETag and answers ``If-None-Match`` with 304. Members and signed-in organizers see other
things (drafts, the hidden address, their navigation): their answers stay ``no-store``
and are never a 304 against the public validator.
"""

from __future__ import annotations

import httpx
import pytest

from server.web.sessions import QuietSessionBackend
from tests.conftest import CSRF_INPUT
from tests.events.helpers import (
    ClientFactory,
    create_event,
    event_json,
    member_with_org,
    new_organizer,
    sign_in,
)

CANARY = "Hidden Yard 7, 10117 Berlin"
CANARY_VENUE = "The Quiet Courtyard"
SECURITY_HEADERS = {
    "content-security-policy",
    "referrer-policy",
    "x-content-type-options",
    "x-frame-options",
}


@pytest.fixture
def anonymous(client_factory: ClientFactory) -> httpx.AsyncClient:
    """A reader that keeps no cookie (each request is a fresh visit)."""
    return client_factory()


def _assert_no_cookie(response: httpx.Response) -> None:
    assert "set-cookie" not in response.headers, response.headers.get_list("set-cookie")


async def test_public_page_has_a_stable_strong_etag_and_answers_304(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True)
    url = f"/events/{event['id']}"
    async with anonymous:
        first = await anonymous.get(url)
        second = await anonymous.get(url)
        assert first.status_code == second.status_code == 200
        tag = first.headers["etag"]
        assert tag.startswith('"') and second.headers["etag"] == tag  # strong, stable
        assert first.text == second.text
        assert first.headers["cache-control"] == "public, no-cache"
        vary = {v.strip().lower() for v in first.headers["vary"].split(",")}
        assert {"cookie", "hx-request"} <= vary
        assert "Vigil for Chechnya" in first.text
        _assert_no_cookie(first)

        revalidated = await anonymous.get(url, headers={"If-None-Match": tag})
        assert revalidated.status_code == 304
        assert revalidated.content == b""
        assert revalidated.headers["etag"] == tag
        assert revalidated.headers["cache-control"] == "public, no-cache"
        assert set(revalidated.headers) >= SECURITY_HEADERS
        assert revalidated.headers["referrer-policy"] == "no-referrer"
        _assert_no_cookie(revalidated)

        # Another validator (or a weak form of this one, as RFC 9110 compares) as expected.
        other = await anonymous.get(url, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200 and other.headers["etag"] == tag
        weak = await anonymous.get(url, headers={"If-None-Match": f"W/{tag}"})
        assert weak.status_code == 304


async def test_etag_changes_when_the_event_is_edited(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True)
    url = f"/events/{event['id']}"
    async with anonymous:
        before = await anonymous.get(url)
        old_tag = before.headers["etag"]
        edited = await client.put(
            f"/api/v1/events/{event['id']}",
            json=event_json(title="Vigil at the Gate"),
            headers=member.bearer,
        )
        assert edited.status_code == 200, edited.text
        after = await anonymous.get(url, headers={"If-None-Match": old_tag})
        assert after.status_code == 200
        assert after.headers["etag"] != old_tag
        assert "Vigil at the Gate" in after.text and "Vigil for Chechnya" not in after.text
        again = await anonymous.get(url, headers={"If-None-Match": after.headers["etag"]})
        assert again.status_code == 304


async def test_hidden_address_never_reaches_the_public_page_or_its_304(
    client: httpx.AsyncClient, client_factory: ClientFactory, anonymous: httpx.AsyncClient
) -> None:
    member = await member_with_org()
    event = await create_event(
        client,
        member,
        publish=True,
        address=CANARY,
        venue_name=CANARY_VENUE,
        address_visibility="attendees",
    )
    url = f"/events/{event['id']}"
    async with client_factory() as browser:
        await sign_in(browser, member.email)
        # The member looks first: their page must not become what the public is served.
        own = await browser.get(url)
        assert CANARY in own.text and own.headers["cache-control"] == "no-store"
    async with anonymous:
        public = await anonymous.get(url)
        assert public.status_code == 200
        assert CANARY not in public.text and CANARY_VENUE not in public.text
        assert "Exact address shared with confirmed attendees" in public.text
        cached = await anonymous.get(url)
        assert CANARY not in cached.text and cached.headers["etag"] == public.headers["etag"]
        revalidated = await anonymous.get(url, headers={"If-None-Match": public.headers["etag"]})
        assert revalidated.status_code == 304
        assert CANARY not in revalidated.text
        assert all(CANARY not in value for value in revalidated.headers.values())


async def test_members_and_signed_in_organizers_never_get_the_public_validator(
    client: httpx.AsyncClient, client_factory: ClientFactory, anonymous: httpx.AsyncClient
) -> None:
    member = await member_with_org()
    event = await create_event(
        client, member, publish=True, address=CANARY, address_visibility="attendees"
    )
    url = f"/events/{event['id']}"
    async with anonymous:
        public_tag = (await anonymous.get(url)).headers["etag"]
    _, stranger_email = await new_organizer("Someone Else")
    for email, is_member in ((member.email, True), (stranger_email, False)):
        async with client_factory() as browser:
            await sign_in(browser, email)
            page = await browser.get(url, headers={"If-None-Match": public_tag})
            assert page.status_code == 200
            assert page.headers["cache-control"] == "no-store"
            assert page.headers.get("etag") != public_tag
            assert "Sign out" in page.text  # their own navigation, with a working token
            assert 'name="_csrf_token" value=""' not in page.text
            assert (CANARY in page.text) is is_member
            assert (f"/organizer/events/{event['id']}/edit" in page.text) is is_member
            star = await browser.get(url, headers={"If-None-Match": "*"})
            assert star.status_code == 200 and star.headers["cache-control"] == "no-store"


async def test_unlisted_events_stay_out_of_caches(
    client: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True, visibility="unlisted")
    async with anonymous:
        page = await anonymous.get(f"/events/{event['id']}")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["x-robots-tag"] == "noindex"
        assert "etag" not in page.headers
        _assert_no_cookie(page)


PUBLIC_READS = (
    "/events/{event}",
    "/events/{event}.ics",
    "/feeds/events.ics",
    "/feeds/orgs/{org}.ics",
    "/api/v1/events",
    "/",
)


@pytest.mark.parametrize("path", PUBLIC_READS)
async def test_anonymous_reads_set_no_cookie_and_make_no_session(
    path: str,
    client: httpx.AsyncClient,
    anonymous: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    member = await member_with_org()
    event = await create_event(client, member, publish=True)
    drawn: list[str] = []
    draw = QuietSessionBackend.generate_session_id

    def counting(self: QuietSessionBackend) -> str:
        drawn.append("id")
        return draw(self)

    monkeypatch.setattr(QuietSessionBackend, "generate_session_id", counting)
    async with anonymous:
        url = path.format(event=event["id"], org=member.org_id)
        for _ in range(2):  # a first visit, and one that would fill a cache
            response = await anonymous.get(url)
            assert response.status_code == 200, response.text
            assert response.headers.get_list("set-cookie") == []
    assert drawn == []  # no session id made for anybody who did not sign in


async def test_signed_in_home_page_still_carries_a_working_sign_out_token(
    client_factory: ClientFactory,
) -> None:
    """The home page skips the CSRF middleware for anonymous readers; a signed-in
    organizer must still get a token (and its cookie when it is gone) that signs out."""
    _, email = await new_organizer()
    async with client_factory() as browser:
        await sign_in(browser, email)
        browser.cookies.delete("csrftoken")  # e.g. expired while the session lives on
        home = await browser.get("/")
        assert home.status_code == 200
        assert any(c.startswith("csrftoken=") for c in home.headers.get_list("set-cookie"))
        match = CSRF_INPUT.search(home.text)
        assert match, "no sign-out form on the signed-in home page"
        signed_out = await browser.post("/logout", data={"_csrf_token": match.group(1)})
        assert signed_out.status_code == 303
        assert (await browser.get("/organizer")).status_code in (302, 303, 401)
