"""Issue 12.1: an API token is a credential for /api/v1 only, never a signed-in browser.

Before: ``Authorization: Bearer mst_…`` signed pages in and skipped their CSRF check, so a
leaked token could mint more tokens, switch 2FA settings and read attendee lists.
"""

from __future__ import annotations

import httpx

from server.accounts.tables import ApiToken, Organization
from tests.events.helpers import ClientFactory, create_event, member_with_org


async def test_pages_ignore_a_bearer_token(
    client: httpx.AsyncClient, client_factory: ClientFactory
) -> None:
    owner = await member_with_org()
    event = await create_event(client, owner, publish=True)
    async with client_factory() as script:  # no cookies: the token is all it has
        for path in (
            "/organizer",
            "/organizer/tokens",
            "/organizer/security",
            f"/organizer/orgs/{owner.org_id}",
            f"/organizer/events/{event['id']}/attendees",
        ):
            answer = await script.get(path, headers=owner.bearer)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/login"), path
        # The same token still works where it belongs.
        assert (await script.get("/api/v1/me", headers=owner.bearer)).status_code == 200


async def test_a_bearer_token_neither_signs_in_nor_skips_csrf_on_page_writes(
    client_factory: ClientFactory,
) -> None:
    owner = await member_with_org()
    async with client_factory() as script:
        writes = {
            "/organizer/tokens": {"name": "minted by a leaked token"},
            "/organizer/security/2fa/start": {},
            f"/organizer/orgs/{owner.org_id}/require-2fa": {"require_2fa": "off"},
            "/organizer/security/sign-out-everywhere": {},
        }
        for path, form in writes.items():
            answer = await script.post(path, data=form, headers=owner.bearer)
            assert answer.status_code == 403, (path, answer.status_code)
            assert "CSRF" in answer.text
    assert await ApiToken.count() == 1  # only the helper's own token
    assert await ApiToken.count().where(ApiToken.revoked_at.is_not_null()) == 0


async def test_a_token_cannot_invite_or_mint_through_the_api(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    invite = await client.post(
        f"/api/v1/organizations/{owner.org_id}/invitations",
        json={"email": "attacker@example.org", "role": "owner"},
        headers=owner.bearer,
    )
    assert invite.status_code == 403, invite.text
    assert invite.headers["content-type"].startswith("application/problem+json")
    minted = await client.post("/api/v1/tokens", json={"name": "spare"}, headers=owner.bearer)
    assert minted.status_code == 403
    assert await ApiToken.count() == 1
    [org] = await Organization.select(Organization.require_2fa)
    assert org["require_2fa"] is False
