"""API tokens: shown once, stored hashed, usable as bearer, revocable (invariant 3)."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from server.accounts.tables import ApiToken
from tests.accounts.helpers import api_csrf, sign_up, submit

NEW_TOKEN = re.compile(r'id="new-token" type="text" readonly value="(mst_[^"]+)"')


async def create_token_on_page(client: httpx.AsyncClient, name: str = "newsletter sync") -> str:
    response = await submit(client, "/organizer/tokens", "/organizer/tokens", {"name": name})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "Copy it now" in response.text
    found = NEW_TOKEN.search(response.text)
    assert found
    return found.group(1)


async def test_token_lifecycle_through_the_pages(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    email = await sign_up(client)
    token = await create_token_on_page(client)
    assert len(token) >= 4 + 43  # "mst_" + 256 random bits
    # Shown once: the list page does not carry it.
    listing = await client.get("/organizer/tokens")
    assert (
        token not in listing.text and "newsletter sync" in listing.text and "never" in listing.text
    )

    async with client_factory() as script:  # no cookies: the bearer token is all it has
        me = await script.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.json()["email"] == email
        assert "never" not in (await client.get("/organizer/tokens")).text  # last use is shown

        row = await ApiToken.select(ApiToken.id).first()
        assert row
        revoked = await submit(client, "/organizer/tokens", f"/organizer/tokens/{row['id']}/revoke")
        assert revoked.status_code == 303
        assert "Revoked" in (await client.get("/organizer/tokens")).text

        after = await script.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert after.status_code == 401
        assert after.headers["content-type"].startswith("application/problem+json")


async def test_token_is_stored_hashed(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    token = await create_token_on_page(client)
    rows = await ApiToken.select()
    assert len(rows) == 1
    for value in rows[0].values():
        assert token not in str(value)
        assert token[4:] not in str(value)
    assert re.fullmatch(r"[0-9a-f]{64}", rows[0]["token_hash"])


async def test_token_needs_a_name(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    response = await submit(client, "/organizer/tokens", "/organizer/tokens", {"name": " "})
    assert response.status_code == 422
    assert "Name the token after the script that uses it." in response.text
    assert await ApiToken.count() == 0


async def test_htmx_revoke_gets_the_list_fragment(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    await create_token_on_page(client)
    fragment = await client.get("/organizer/tokens", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<section class="card" id="tokens"')
    assert "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["vary"].split(", ")
    # A boosted navigation swaps the whole body, so it gets the whole page.
    boosted = await client.get(
        "/organizer/tokens", headers={"HX-Request": "true", "HX-Boosted": "true"}
    )
    assert "<html" in boosted.text


async def test_tokens_through_the_api(
    client: httpx.AsyncClient, client_factory: Callable[[], httpx.AsyncClient]
) -> None:
    await sign_up(client)
    headers = await api_csrf(client)
    created = await client.post("/api/v1/tokens", json={"name": "sync"}, headers=headers)
    assert created.status_code == 201
    body = created.json()
    token, token_id = body["token"], body["id"]
    bearer = {"Authorization": f"Bearer {token}"}

    listed = await client.get("/api/v1/tokens")
    assert [t["name"] for t in listed.json()] == ["sync"]
    assert token not in listed.text

    async with client_factory() as script:
        # A bearer request needs no CSRF header, even for writes.
        org = await script.post(
            "/api/v1/organizations", json={"name": "Via script"}, headers=bearer
        )
        assert org.status_code == 201
        # But a token cannot mint more tokens: revoking a leaked one must be enough.
        minted = await script.post("/api/v1/tokens", json={"name": "more"}, headers=bearer)
        assert minted.status_code == 403
        assert await ApiToken.count() == 1

        async with client_factory() as other:
            await sign_up(other)
            foreign = await other.delete(
                f"/api/v1/tokens/{token_id}", headers=await api_csrf(other)
            )
            assert foreign.status_code == 404
        assert (await script.get("/api/v1/me", headers=bearer)).status_code == 200

        gone = await client.delete(f"/api/v1/tokens/{token_id}", headers=headers)
        assert gone.status_code == 204
        assert (await script.get("/api/v1/me", headers=bearer)).status_code == 401
        again = await client.delete(f"/api/v1/tokens/{token_id}", headers=headers)
        assert again.status_code == 404


async def test_session_api_write_without_csrf_header_is_refused(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    response = await client.post("/api/v1/tokens", json={"name": "sync"})
    assert response.status_code == 403
    assert await ApiToken.count() == 0


async def test_garbage_bearer_token_is_401(client: httpx.AsyncClient) -> None:
    for value in ("Bearer mst_nope", "Bearer ", "bearer x" * 50):
        response = await client.get("/api/v1/me", headers={"Authorization": value})
        assert response.status_code == 401
