"""Organizations through the pages: creation, invitations, roles, isolation, admin approval."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from litestar import Litestar, Request, get
from litestar.testing import AsyncTestClient

from server.accounts import members, service
from server.accounts.pages import signed_in
from server.accounts.tables import Invitation, Membership, Organization
from server.web.errors import EXCEPTION_HANDLERS
from server.web.templates import template_config
from tests.accounts.helpers import PASSWORD, create_org, sign_in, sign_up, submit
from tests.conftest import csrf_token

INVITE_URL = re.compile(
    r'id="invite-url" type="text" readonly value="http://testserver(/invitations/[^"]+)"'
)


async def invite(client: httpx.AsyncClient, org_id: uuid.UUID, email: str, role: str) -> str:
    """Create an invitation on the org page; returns the link's path (shown once)."""
    page = f"/organizer/orgs/{org_id}"
    response = await submit(client, page, f"{page}/invitations", {"email": email, "role": role})
    assert response.status_code == 200, response.text
    found = INVITE_URL.search(response.text)
    assert found, "the invitation link is not on the page"
    assert "it works once, for 7 days" in response.text
    return found.group(1)


async def test_create_organization_makes_me_its_owner(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    org_id = await create_org(client, "Queer Refugees Support")
    dashboard = await client.get("/organizer")
    assert "Queer Refugees Support" in dashboard.text
    assert "Waiting for approval by an admin" in dashboard.text
    assert f'href="/organizer/orgs/{org_id}/events"' in dashboard.text
    assert 'href="/organizer/tokens"' in dashboard.text

    page = await client.get(f"/organizer/orgs/{org_id}")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Owner" in page.text and "Invite someone" in page.text
    row = await Membership.select(Membership.role).where(Membership.organization == org_id).first()
    assert row == {"role": "owner"}


async def test_organization_needs_a_name(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    response = await submit(client, "/organizer", "/organizer/orgs", {"name": "  "})
    assert response.status_code == 422
    assert "Enter the organization&#39;s name." in response.text
    assert await Organization.count() == 0


async def test_invitation_makes_a_member_with_the_role_once(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    await sign_up(client, name="Owner Olga")
    org_id = await create_org(client, "Safe Passage")
    link = await invite(client, org_id, "viktor@example.org", "viewer")
    # The link is shown once: reloading the org page does not show it again.
    assert "/invitations/" not in (await client.get(f"/organizer/orgs/{org_id}")).text
    stored = await Invitation.select(Invitation.token_hash).first()
    assert stored and link.rsplit("/", 1)[-1] not in stored["token_hash"]

    async with client_factory() as viktor:
        anonymous = await viktor.get(link)
        assert anonymous.status_code == 200
        assert "Safe Passage" in anonymous.text and "Viewer" in anonymous.text
        # Signing up from the invitation brings the newcomer back to it.
        signup_link = re.search(r'href="(/signup\?next=[^"]+)"', anonymous.text)
        assert signup_link
        assert (await viktor.get(signup_link.group(1))).status_code == 200
        anonymous_accept = await submit(viktor, "/signup", link)
        assert anonymous_accept.status_code == 303
        assert anonymous_accept.headers["location"].startswith("/login?next=%2Finvitations%2F")
        await sign_up(viktor, "viktor@example.org", "Viktor", next_path=link)

        accepted = await submit(viktor, link, link)
        assert accepted.status_code == 303
        assert accepted.headers["location"] == f"/organizer/orgs/{org_id}"
        org_page = await viktor.get(f"/organizer/orgs/{org_id}")
        assert org_page.status_code == 200
        assert "Owner Olga" in org_page.text
        assert "Invite someone" not in org_page.text  # viewers do not manage members

        # Single use: the link is dead now, for them and for anyone else.
        assert (await viktor.get(link)).status_code == 404
    role = await Membership.select(Membership.role).where(
        (Membership.organization == org_id) & (Membership.role == "viewer")
    )
    assert len(role) == 1

    async with client_factory() as someone:
        await sign_up(someone)
        assert (await someone.get(link)).status_code == 404
        token = await csrf_token(someone, "/organizer")
        reuse = await someone.post(link, data={"_csrf_token": token})
        assert reuse.status_code == 404
        assert (await someone.get(f"/organizer/orgs/{org_id}")).status_code == 404


async def test_unknown_invitation_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/invitations/not-a-real-token-at-all-0123456789")).status_code == 404


async def test_viewer_cannot_invite(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    """A viewer is a member, so the organization is no secret to them: 403, not 404."""
    await sign_up(client)
    org_id = await create_org(client)
    link = await invite(client, org_id, "v@example.org", "viewer")
    async with client_factory() as viewer:
        await sign_up(viewer, "v@example.org", next_path=link)
        await submit(viewer, link, link)
        page = f"/organizer/orgs/{org_id}"
        response = await submit(
            viewer, page, f"{page}/invitations", {"email": "x@example.org", "role": "owner"}
        )
        assert response.status_code == 403
    assert await Invitation.count() == 1


async def test_member_of_one_org_gets_404_for_another(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    await sign_up(client)
    org_a = await create_org(client, "A")
    async with client_factory() as other:
        await sign_up(other)
        org_b = await create_org(other, "B")
        members_b = await Membership.select(Membership.id).where(Membership.organization == org_b)

        assert (await client.get(f"/organizer/orgs/{org_b}")).status_code == 404
        assert (await client.get(f"/organizer/orgs/{uuid.uuid4()}")).status_code == 404
        page_a = f"/organizer/orgs/{org_a}"
        attempts = [
            (f"/organizer/orgs/{org_b}/invitations", {"email": "x@example.org", "role": "owner"}),
            (f"/organizer/orgs/{org_b}/members/{members_b[0]['id']}/remove", {}),
        ]
        for action, data in attempts:
            assert (await submit(client, page_a, action, data)).status_code == 404
        assert await Membership.count().where(Membership.organization == org_b) == 1
        assert await Invitation.count() == 0
        for path in (f"/api/v1/organizations/{org_b}", f"/api/v1/organizations/{org_b}/members"):
            response = await client.get(path)
            assert response.status_code == 404
            assert response.headers["content-type"].startswith("application/problem+json")


async def test_owners_remove_members_but_not_the_last_owner(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    await sign_up(client)
    org_id = await create_org(client)
    link = await invite(client, org_id, "o@example.org", "organizer")
    async with client_factory() as second:
        await sign_up(second, "o@example.org", next_path=link)
        await submit(second, link, link)
    rows = await Membership.select(Membership.id, Membership.role).where(
        Membership.organization == org_id
    )
    ids = {r["role"]: r["id"] for r in rows}
    page = f"/organizer/orgs/{org_id}"

    last_owner = await submit(client, page, f"{page}/members/{ids['owner']}/remove")
    assert last_owner.status_code == 409
    assert "An organization needs at least one owner." in last_owner.text
    assert await Membership.count().where(Membership.organization == org_id) == 2

    removed = await submit(client, page, f"{page}/members/{ids['organizer']}/remove")
    assert removed.status_code == 303 and removed.headers["location"] == page
    assert await Membership.count().where(Membership.organization == org_id) == 1


async def test_admin_approves_pending_organizations(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    await sign_up(client, name="Org Owner")
    org_id = await create_org(client, "Waiting Org")
    assert (await client.get("/admin")).status_code == 404
    assert (
        await submit(client, "/organizer", f"/admin/orgs/{org_id}/approve", {"note": "me"})
    ).status_code == 404

    async with client_factory() as admin:
        email = await sign_up(admin, name="Admin Aisha")
        await service.make_admin(email)
        page = await admin.get("/admin")
        assert page.status_code == 200
        assert "Waiting Org" in page.text and "Org Owner" in page.text
        assert page.headers["cache-control"] == "no-store"

        no_note = await submit(admin, "/admin", f"/admin/orgs/{org_id}/approve", {"note": " "})
        assert no_note.status_code == 422
        assert "Say in a few words why we trust this organization." in no_note.text
        assert (await service.get_organization(org_id)).approved is False  # type: ignore[union-attr]

        done = await submit(
            admin, "/admin", f"/admin/orgs/{org_id}/approve", {"note": "Known partner since 2017"}
        )
        assert done.status_code == 303
        assert "Waiting Org" not in (await admin.get("/admin")).text
    row = await Organization.select().where(Organization.id == org_id).first()
    assert (
        row
        and row["approved_at"] is not None
        and row["approval_note"] == "Known partner since 2017"
    )
    assert "Waiting for approval" not in (await client.get("/organizer")).text


async def test_anonymous_visitors_are_sent_to_login(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    for path in ("/organizer", "/organizer/tokens", f"/organizer/orgs/{uuid.uuid4()}"):
        response = await client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=%2Forganizer")
    assert (await client.get("/admin")).status_code == 404
    # Login works after the redirect round trip.
    async with client_factory() as other:
        email = await sign_up(other)
    assert (await sign_in(client, email, PASSWORD, "/organizer/tokens")).headers[
        "location"
    ] == "/organizer/tokens"


async def test_expired_invitation_is_404(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    org_id = await create_org(client)
    link = await invite(client, org_id, "late@example.org", "organizer")
    await Invitation.update(
        {Invitation.expires_at: datetime.now(UTC) - timedelta(minutes=1)}, force=True
    )
    assert (await client.get(link)).status_code == 404
    assert (await submit(client, "/organizer", link)).status_code == 404
    assert await Membership.count().where(Membership.organization == org_id) == 1


async def test_simultaneous_accepts_use_the_link_once(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    org_id = await create_org(client)
    secret = (await invite(client, org_id, "two@example.org", "viewer")).rsplit("/", 1)[-1]
    first = await service.register_organizer("one@example.org", PASSWORD, "One")
    second = await service.register_organizer("two@example.org", PASSWORD, "Two")
    # "one@" is not the invited address: it joins by the proof mailed to "two@".
    [row] = await Invitation.select(Invitation.id)
    proof = members.proof_for(row["id"], first.id)
    results = await asyncio.gather(
        members.accept_invitation(first, secret, proof),
        members.accept_invitation(second, secret),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["NotFound", "UUID"]
    assert await Membership.count().where(Membership.organization == org_id) == 2


async def test_sign_in_redirect_works_on_other_features_controllers() -> None:
    """Another feature's page calls ``signed_in`` without registering our handler."""

    @get("/elsewhere")
    async def elsewhere(request: Request) -> str:
        await signed_in(request)
        return "secret"

    probe = Litestar(
        route_handlers=[elsewhere],
        exception_handlers=EXCEPTION_HANDLERS,
        template_config=template_config(),
    )
    async with AsyncTestClient(probe) as test_client:
        response = await test_client.get("/elsewhere?a=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Felsewhere%3Fa%3D1"
    assert "secret" not in response.text
