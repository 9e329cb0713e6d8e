"""The accounts JSON API: problem+json errors naming the field, roles, 404 for not-yours."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx

from server.accounts import service
from server.accounts.tables import Invitation, Organization
from tests.accounts.helpers import api_csrf, sign_up, submit


async def new_org(client: httpx.AsyncClient, name: str = "Org") -> dict:
    response = await client.post(
        "/api/v1/organizations", json={"name": name}, headers=await api_csrf(client)
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_anonymous_api_is_401_problem_json(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/me", "/api/v1/organizations", "/api/v1/tokens"):
        response = await client.get(path)
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["status"] == 401


async def test_me_and_my_organizations(client: httpx.AsyncClient) -> None:
    email = await sign_up(client, name="Ada")
    me = await client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json() == {
        "id": me.json()["id"],
        "email": email,
        "display_name": "Ada",
        "is_admin": False,
    }
    org = await new_org(client, "Pride Aid")
    assert org["role"] == "owner" and org["approved"] is False
    assert [m["display_name"] for m in org["members"]] == ["Ada"]

    listed = (await client.get("/api/v1/organizations")).json()
    assert [(o["name"], o["role"]) for o in listed] == [("Pride Aid", "owner")]
    one = (await client.get(f"/api/v1/organizations/{org['id']}")).json()
    assert one["members"][0]["email"] == email
    members = await client.get(f"/api/v1/organizations/{org['id']}/members")
    assert [(m["email"], m["role"]) for m in members.json()] == [(email, "owner")]
    # Addresses and roles are personal: no cache along the way may keep them.
    for answer in (me, members, await client.get("/api/v1/tokens")):
        assert answer.headers["cache-control"] == "no-store", answer.request.url


async def test_bad_input_names_the_field(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    headers = await api_csrf(client)
    empty = await client.post("/api/v1/organizations", json={"name": "  "}, headers=headers)
    assert empty.status_code == 422
    assert empty.headers["content-type"].startswith("application/problem+json")
    assert empty.json()["errors"] == [
        {"field": "name", "message": "Enter the organization's name."}
    ]

    missing = await client.post("/api/v1/organizations", json={}, headers=headers)
    assert missing.status_code == 400
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "name" in str(missing.json()["errors"])

    unknown = await client.post(
        "/api/v1/organizations", json={"name": "x", "approved": True}, headers=headers
    )
    assert unknown.status_code == 400
    assert await Organization.count() == 0


async def test_invitations_through_the_api(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    await sign_up(client)
    org = await new_org(client)
    headers = await api_csrf(client)
    path = f"/api/v1/organizations/{org['id']}/invitations"

    bad = await client.post(path, json={"email": "nope", "role": "viewer"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "email"
    bad_role = await client.post(
        path, json={"email": "a@example.org", "role": "god"}, headers=headers
    )
    assert bad_role.status_code == 400

    created = await client.post(
        path, json={"email": "Viewer@Example.org", "role": "viewer"}, headers=headers
    )
    assert created.status_code == 201
    invitation = created.json()
    assert invitation["email"] == "viewer@example.org" and invitation["role"] == "viewer"
    assert invitation["url"].startswith("http://testserver/invitations/")
    link = invitation["url"].removeprefix("http://testserver")

    async with client_factory() as viewer:
        await sign_up(viewer, "viewer@example.org", next_path=link)
        assert (await submit(viewer, link, link)).status_code == 303
        mine = (await viewer.get("/api/v1/organizations")).json()
        assert [(o["id"], o["role"]) for o in mine] == [(org["id"], "viewer")]
        # Viewers see members but may not invite (they are members: 403, not 404).
        assert (await viewer.get(f"/api/v1/organizations/{org['id']}/members")).status_code == 200
        refused = await viewer.post(
            path, json={"email": "x@example.org", "role": "owner"}, headers=await api_csrf(viewer)
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")

    async with client_factory() as stranger:
        await sign_up(stranger)
        response = await stranger.post(
            path, json={"email": "x@example.org", "role": "owner"}, headers=await api_csrf(stranger)
        )
        assert response.status_code == 404
    assert await Invitation.count() == 1


async def test_pending_org_is_hidden_and_approved_org_has_a_public_view(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    await sign_up(client)
    org = await new_org(client, "Soon Public")
    path = f"/api/v1/organizations/{org['id']}"
    async with client_factory() as other:
        await sign_up(other)
        assert (await other.get(path)).status_code == 404
        assert (await other.get(f"/api/v1/organizations/{uuid.uuid4()}")).status_code == 404

        async with client_factory() as admin:
            email = await sign_up(admin)
            await service.make_admin(email)
            approve = f"/api/v1/admin/organizations/{org['id']}/approve"
            headers = await api_csrf(admin)
            # A non-admin does not learn the admin API exists.
            denied = await other.post(
                approve, json={"note": "trust me"}, headers=await api_csrf(other)
            )
            assert denied.status_code == 404
            no_note = await admin.post(approve, json={"note": ""}, headers=headers)
            assert no_note.status_code == 422 and no_note.json()["errors"][0]["field"] == "note"
            done = await admin.post(approve, json={"note": "Long-time partner"}, headers=headers)
            assert done.status_code == 200 and done.json()["approved"] is True
            twice = await admin.post(approve, json={"note": "again"}, headers=headers)
            assert twice.status_code == 409

        public = await other.get(path)
        assert public.status_code == 200
        assert public.json()["name"] == "Soon Public"
        assert public.json()["members"] is None and public.json()["role"] is None
        assert (await other.get(f"{path}/members")).status_code == 404


async def test_openapi_documents_the_accounts_api(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    assert paths["/api/v1/me"]["get"]["tags"] == ["Organizers"]
    assert paths["/api/v1/tokens"]["post"]["tags"] == ["API tokens"]
    assert "/api/v1/admin/organizations/{org_id}/approve" in paths
    invite = paths["/api/v1/organizations/{org_id}/invitations"]["post"]
    assert "application/problem+json" in invite["responses"]["403"]["content"]
    assert not any(p.startswith(("/organizer", "/login", "/signup", "/admin")) for p in paths)
