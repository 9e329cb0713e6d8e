"""NUL and other control characters are refused with a 422, never a 500 (PostgreSQL rejects
NUL in text; schemathesis found it)."""

from __future__ import annotations

import httpx

from tests.accounts.helpers import api_csrf, sign_in, sign_up


async def test_organization_name_with_nul_is_a_field_error(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    response = await client.post(
        "/api/v1/organizations",
        json={"name": "Rain\u0000bow", "description": "a\u0001b"},
        headers=await api_csrf(client),
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"name", "description"}


async def test_login_with_nul_in_email_is_just_a_failed_login(client: httpx.AsyncClient) -> None:
    response = await sign_in(client, "a\u0000@example.org")
    assert response.status_code == 422
    assert "Email or password is wrong" in response.text


async def test_token_name_with_nul(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    response = await client.post(
        "/api/v1/tokens", json={"name": "cron\u0000"}, headers=await api_csrf(client)
    )
    assert response.status_code == 422
