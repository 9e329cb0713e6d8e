"""Unexpected errors answer a plain page or problem+json: no traceback, SQL, path or class."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.accounts import api_tokens
from server.accounts.tables import Organizer
from tests.accounts.helpers import sign_up

LEAKS = (
    "Traceback",
    "SELECT",
    "no_such_table",
    "OperationalError",
    "UndefinedTable",
    "Exception",
    "Error:",
    ".py",
    "/work/",
    "site-packages",
    "server.",
    "line ",
)


async def _broken_query(*_: Any, **__: Any) -> Any:
    """A real database error from deep inside a service."""
    return await Organizer.raw("SELECT secret_column FROM no_such_table").run()


async def _broken_code(*_: Any, **__: Any) -> Any:
    raise RuntimeError("File \"/work/main/server/accounts/service.py\", line 1: KeyError('x')")


def _assert_clean(body: str) -> None:
    for leak in LEAKS:
        assert leak not in body, f"{leak!r} leaked: {body[:500]}"


@pytest.mark.parametrize("failure", [_broken_query, _broken_code])
async def test_page_error_shows_nothing_internal(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, failure: Any
) -> None:
    await sign_up(client)
    monkeypatch.setattr(api_tokens, "of_organizer", failure)
    response = await client.get("/organizer/tokens")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in response.text
    _assert_clean(response.text)


@pytest.mark.parametrize("failure", [_broken_query, _broken_code])
async def test_api_error_is_a_bare_problem(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, failure: Any
) -> None:
    await sign_up(client)
    monkeypatch.setattr(api_tokens, "of_organizer", failure)
    response = await client.get("/api/v1/tokens")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json() == {"type": "about:blank", "title": "Server error", "status": 500}


async def test_bad_input_errors_name_fields_not_internals(client: httpx.AsyncClient) -> None:
    await sign_up(client)
    token = client.cookies.get("csrftoken") or ""
    response = await client.post(
        "/api/v1/organizations",
        content=b'{"name": 5, "description": [1]}',
        headers={"content-type": "application/json", "x-csrftoken": token},
    )
    assert response.status_code in (400, 422)
    _assert_clean(response.text)
    broken = await client.post(
        "/api/v1/organizations",
        content=b"{not json",
        headers={"content-type": "application/json", "x-csrftoken": token},
    )
    assert broken.status_code == 400
    _assert_clean(broken.text)
