"""Issue 12.7 / invariant 4: a credential header stands in for the CSRF token only where
it is that route's credential and only when it is valid.

Before: any ``X-Manage-Token`` value, or any ``Authorization: Bearer`` value, switched
the CSRF check off for the whole request, also on cookie-authenticated routes.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from server.accounts.tables import ApiToken, Organization
from server.signups.tables import Signup
from tests.accounts.helpers import create_org, sign_up
from tests.events.helpers import create_event, member_with_org
from tests.signups.helpers import person

CSRF_REJECTION = "CSRF token verification failed"


async def test_a_bogus_manage_token_does_not_switch_csrf_off_for_a_session(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client)
    await create_org(client)
    before = await Organization.count()
    forged = {"X-Manage-Token": "anything-at-all"}
    page = await client.post("/organizer/orgs", data={"name": "Forged group"}, headers=forged)
    assert page.status_code == 403 and CSRF_REJECTION in page.text
    api = await client.post("/api/v1/organizations", json={"name": "Forged"}, headers=forged)
    assert api.status_code == 403 and CSRF_REJECTION in api.text
    token = await client.post("/api/v1/tokens", json={"name": "forged"}, headers=forged)
    assert token.status_code == 403 and CSRF_REJECTION in token.text
    assert await Organization.count() == before
    assert await ApiToken.count() == 0


async def test_a_bogus_bearer_token_is_401_not_a_csrf_pass(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    owner = await member_with_org()
    event = await create_event(client, owner, publish=True)
    bogus = {"Authorization": "Bearer mst_not-a-real-token-000000000000000000000"}
    async with client_factory() as stranger:
        # The anonymous RSVP takes cookies and CSRF; a bogus bearer header must not
        # let a write through without the token.
        rsvp = await stranger.post(
            f"/api/v1/events/{event['id']}/signups", json=person(1), headers=bogus
        )
        assert rsvp.status_code == 401, rsvp.text
        assert rsvp.headers["content-type"].startswith("application/problem+json")
    assert await Signup.count() == 0


async def test_a_bearer_header_on_a_page_is_checked_like_any_browser(
    client: httpx.AsyncClient,
) -> None:
    await sign_up(client)
    before = await Organization.count()
    bogus = {"Authorization": "Bearer whatever"}
    page = await client.post("/organizer/orgs", data={"name": "Forged"}, headers=bogus)
    assert page.status_code == 403 and CSRF_REJECTION in page.text
    assert await Organization.count() == before


async def test_a_valid_bearer_token_still_needs_no_csrf_token(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    made = await client.post(
        "/api/v1/organizations", json={"name": "Scripted group"}, headers=owner.bearer
    )
    assert made.status_code == 201, made.text
