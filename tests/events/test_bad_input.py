"""Hostile but well-formed input never becomes a 500 (issue 12, item 9).

Two sweeps: extreme ``from``/``to`` days on every listing that takes them (they used to
overflow datetime arithmetic), and a 5,000-deep JSON body on every write route (it used
to raise RecursionError in the JSON decoder). Routes are read from the app itself, so a
route added later is swept too.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from server.errors import ValidationFailed
from server.events.query import make_query, parse_day
from tests.events.helpers import member_with_org
from tests.events.test_search import add_event, approved_org
from tests.signups.helpers import api_csrf, published_event

EXTREME_DAYS = [
    {"from": "0001-01-01"},
    {"to": "9999-12-31"},
    {"from": "9999-12-31"},
    {"to": "0001-01-01"},
    {"from": "0001-01-01", "to": "9999-12-31"},
]
NEAR = {"near": "52.52,13.40", "radius_km": "50"}
DEEP_JSON = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture
async def listed(client: httpx.AsyncClient) -> None:
    """One listed event, so the searches really reach the date arithmetic."""
    org = await approved_org()
    await add_event(org, 52.52, 13.40, title="Vigil")


@pytest.mark.parametrize("days", EXTREME_DAYS)
@pytest.mark.parametrize("near", [False, True])
async def test_extreme_days_on_the_api_are_a_problem_naming_the_field(
    client: httpx.AsyncClient, listed: None, days: dict[str, str], near: bool
) -> None:
    response = await client.get("/api/v1/events", params={**days, **(NEAR if near else {})})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in response.json()["errors"]} <= set(days)
    assert "between 1970 and 2999" in response.text


@pytest.mark.parametrize("days", EXTREME_DAYS)
@pytest.mark.parametrize("htmx", [False, True])
async def test_extreme_days_on_the_home_page_are_an_inline_field_error(
    client: httpx.AsyncClient, listed: None, days: dict[str, str], htmx: bool
) -> None:
    headers = {"HX-Request": "true", "HX-Target": "results"} if htmx else {}
    response = await client.get("/", params={**days, **NEAR}, headers=headers)
    # The home form is lenient by design: the page, with the message by the field.
    assert response.status_code == 200, response.text
    assert "Use a date like 2026-12-05." in response.text


def test_days_are_parsed_in_one_place_with_bounds() -> None:
    assert parse_day("") is None
    assert parse_day("2026-12-05") == date(2026, 12, 5)
    for text in ("0001-01-01", "9999-12-31", "1969-12-31", "3000-01-01", "2026-02-30"):
        with pytest.raises(ValueError):
            parse_day(text)
    # Days handed over by code, not parsed from a request, meet the same bounds.
    with pytest.raises(ValidationFailed) as caught:
        make_query(date_from=date(1, 1, 1), date_to=date(9999, 12, 31))
    assert set(caught.value.errors) == {"from", "to"}


def _concrete(path: str) -> str:
    """A route's path with its parameters filled in (unknown ids: the body comes first)."""
    return re.sub(
        r"\{[^}:]+:([^}]+)\}",
        lambda m: str(uuid.uuid4()) if m.group(1) == "uuid" else "x" * 22,
        path,
    )


def _write_routes(app: Litestar) -> list[tuple[str, str]]:
    found = [
        (str(method), route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for method in sorted(set(route.methods) & WRITES)
    ]
    assert len(found) > 40  # the sweep really sees the app's routes
    return found


@pytest.mark.parametrize("body", [DEEP_JSON, DEEP_OBJECT], ids=["array", "object"])
async def test_deep_json_is_never_a_500_on_any_write_route(
    client: httpx.AsyncClient, app: Litestar, body: str
) -> None:
    """Signed in with a bearer token and a CSRF token, so guards let the body be read."""
    member = await member_with_org()
    headers = {**member.bearer, **await api_csrf(client), "content-type": "application/json"}
    failures = []
    for method, path in _write_routes(app):
        response = await client.request(method, _concrete(path), content=body, headers=headers)
        if response.status_code >= 500:
            failures.append(f"{method} {path}: {response.status_code}")
        elif path.startswith("/api/"):
            assert response.headers["content-type"].startswith("application/problem+json")
    assert failures == []


@pytest.mark.parametrize("body", [DEEP_JSON, DEEP_OBJECT], ids=["array", "object"])
async def test_deep_json_on_the_public_routes_is_a_400_problem(
    client: httpx.AsyncClient, body: str
) -> None:
    """The routes anyone can reach: RSVP, and a volunteer changing their RSVP."""
    _, event = await published_event(client)
    headers = {**await api_csrf(client), "content-type": "application/json"}
    sent = await client.post(f"/api/v1/events/{event['id']}/signups", content=body, headers=headers)
    assert sent.status_code == 400, sent.text
    assert sent.json()["detail"] == "The JSON body is nested too deeply."
    # A volunteer's change: the body is read before the token is looked at, so an
    # unknown token meets the same answer (and learns nothing about tokens).
    changed = await client.patch(
        "/api/v1/signups/manage",
        content=body,
        headers={**headers, "X-Manage-Token": "x" * 43},
    )
    assert changed.status_code == 400, changed.text
    assert changed.json()["detail"] == "The JSON body is nested too deeply."
