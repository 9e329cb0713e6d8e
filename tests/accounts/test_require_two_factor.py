"""Owners can require two-factor sign-in; members without it see none of the org's data."""

from __future__ import annotations

from typing import Any

import httpx

from server.accounts import service as accounts
from server.accounts import twofactor
from tests.accounts.helpers import sign_up, submit
from tests.accounts.twofactor_helpers import enrol
from tests.events.helpers import add_member, create_event, member_with_org, sign_in


async def _require(client: httpx.AsyncClient, org_id: Any, on: bool = True) -> httpx.Response:
    return await submit(
        client,
        "/organizer",  # any page of theirs carries the CSRF token
        f"/organizer/orgs/{org_id}/require-2fa",
        {"require_2fa": "on" if on else "off"},
    )


async def test_owner_must_use_2fa_before_requiring_it(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    await sign_in(client, owner.email)
    refused = await _require(client, owner.org_id)
    assert refused.headers["location"] == "/organizer/security?required=1"
    assert (await accounts.get_organization(owner.org_id)).require_2fa is False  # type: ignore[union-attr]
    await enrol(client)
    assert (await _require(client, owner.org_id)).status_code == 303
    assert (await accounts.get_organization(owner.org_id)).require_2fa is True  # type: ignore[union-attr]
    page = await client.get(f"/organizer/orgs/{owner.org_id}")
    assert page.status_code == 200
    assert "Stop requiring it" in page.text


async def test_members_without_2fa_are_sent_to_enrolment(client_factory: Any) -> None:
    owner = await member_with_org()
    member = await add_member(owner, "organizer")
    async with client_factory() as owner_browser:
        await sign_in(owner_browser, owner.email)
        event = await create_event(owner_browser, owner)
        await enrol(owner_browser)
        assert (await _require(owner_browser, owner.org_id)).status_code == 303
    async with client_factory() as browser:
        await sign_in(browser, member.email)
        page = await browser.get(f"/organizer/orgs/{owner.org_id}")
        assert page.status_code == 303
        assert page.headers["location"] == "/organizer/security?required=1"
        events_page = await browser.get(f"/organizer/orgs/{owner.org_id}/events")
        assert events_page.headers["location"] == "/organizer/security?required=1"
        # The draft event is the organization's data: the member sees what the public sees.
        assert (await browser.get(f"/events/{event['id']}")).status_code == 404
        # API (bearer token): the event list falls back to the public view (no drafts)...
        listed = await browser.get(
            f"/api/v1/organizations/{owner.org_id}/events", headers=member.bearer
        )
        assert listed.status_code == 200
        assert event["id"] not in listed.text
        # ...and member-only routes answer 403 with a problem detail that says what to do.
        api = await browser.get(
            f"/api/v1/organizations/{owner.org_id}/members", headers=member.bearer
        )
        assert api.status_code == 403
        assert api.headers["content-type"].startswith("application/problem+json")
        assert "two-factor" in api.json()["detail"]
        # Once they turn it on, everything is back.
        await enrol(browser)
        assert (await browser.get(f"/organizer/orgs/{owner.org_id}")).status_code == 200
        assert (await browser.get(f"/events/{event['id']}")).status_code == 200


async def test_only_owners_may_require_it(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    member = await add_member(owner, "organizer")
    await sign_in(client, member.email)
    await enrol(client)
    response = await _require(client, owner.org_id)
    assert response.status_code == 403
    assert (await accounts.get_organization(owner.org_id)).require_2fa is False  # type: ignore[union-attr]


async def test_outsiders_get_404(client: httpx.AsyncClient) -> None:
    owner = await member_with_org()
    await sign_up(client)
    await enrol(client)
    assert (await _require(client, owner.org_id)).status_code == 404
    assert twofactor.RECOVERY_CODES == 10
