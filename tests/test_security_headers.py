"""Security headers on every route of the app's route table, and cookie flags (invariant 5).

Every GET route is requested: those with path parameters get the seeded organization and
event (other ids get a random UUID, answered by an error page that must carry the same
headers). Organizer pages are ``no-store``. A production-like app adds HSTS, ``__Host-``
Secure cookies and answers only for BASE_URL's host.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from server import crypto, db
from server.app import create_app
from server.mail import service as mail_service
from server.settings import Settings
from tests.accounts.helpers import PASSWORD, mailed_link, sign_up
from tests.conftest import csrf_token
from tests.events.helpers import create_event, member_with_org, sign_in

PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
SKIP_PREFIXES = ("/static/", "/schema/{")  # files and the schema UI's sub-paths


def check_headers(path: str, response: httpx.Response) -> None:
    headers = response.headers
    csp = headers.get("content-security-policy", "")
    assert csp, f"{path}: no CSP"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
    assert "frame-ancestors 'none'" in csp, path
    assert "script-src 'self'" in csp, path
    assert headers.get("referrer-policy") == "no-referrer", path
    assert headers.get("x-content-type-options") == "nosniff", path
    assert "geolocation=(self)" in headers.get("permissions-policy", ""), path


def _concrete(route_path: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values.get(m.group(1), str(uuid.uuid4())), route_path)


async def test_every_get_route_has_the_security_headers(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    owner = await member_with_org()
    await sign_in(client, owner.email)
    event = await create_event(client, owner, publish=True)
    values = {"org_id": str(owner.org_id), "event_id": event["id"], "token": "x" * 43}
    seen_html = 0
    checked = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "GET" not in route.methods:
            continue
        if route.path.startswith(SKIP_PREFIXES):
            continue
        path = _concrete(route.path, values)
        response = await client.get(path)
        assert response.status_code < 500, f"{path}: {response.status_code}"
        check_headers(path, response)
        checked.append(path)
        is_html = response.headers.get("content-type", "").startswith("text/html")
        seen_html += is_html
        private = path.startswith(("/organizer", "/admin", "/my/", "/m/"))
        if private and is_html and response.status_code == 200:
            assert response.headers.get("cache-control") == "no-store", path
    assert seen_html >= 20
    assert f"/events/{event['id']}" in checked
    assert f"/organizer/orgs/{owner.org_id}" in checked


async def test_error_pages_and_unknown_routes_have_them_too(client: httpx.AsyncClient) -> None:
    for path in ("/no-such-page", f"/events/{uuid.uuid4()}", "/api/v1/no-such"):
        response = await client.get(path)
        assert response.status_code == 404
        check_headers(path, response)
    response = await client.post("/login", data={})  # no CSRF token
    assert response.status_code == 403
    check_headers("/login (POST)", response)


async def test_session_cookie_flags_in_development(client: httpx.AsyncClient) -> None:
    """Over plain http (development) the cookie cannot be Secure, but keeps the rest."""
    email = await sign_up(client)
    client.cookies.clear()
    token = await csrf_token(client, "/login")
    response = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "_csrf_token": token}
    )
    assert response.status_code == 303
    session = next(c for c in response.headers.get_list("set-cookie") if c.startswith("session="))
    flags = {part.strip().lower() for part in session.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/"} <= flags


@pytest.fixture
async def production_app(app: Litestar, settings: Settings) -> AsyncIterator[Litestar]:
    """create_app with production settings on the test database; restores the globals."""
    old_engine = db.engine()
    production = replace(settings, environment="production", base_url="https://muster.example")
    application = create_app(production)
    db.bind(old_engine)  # keep using the session's started engine
    try:
        yield application
    finally:
        db.bind(old_engine)
        crypto.use_secret_key(settings.secret_key)
        mail_service.configure(settings)


PROD_SIGNUP_LINK = re.compile(r"https://muster\.example(/signup/confirm/[A-Za-z0-9_\-]+)")


def _client(application: Litestar, base_url: str = "https://muster.example") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, client=("203.0.113.9", 5000))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url=base_url, follow_redirects=False)


async def test_production_adds_hsts_and_secure_host_cookies(production_app: Litestar) -> None:
    async with _client(production_app) as browser:
        page = await browser.get("/login")
        assert page.status_code == 200
        check_headers("/login", page)
        hsts = page.headers.get("strict-transport-security", "")
        assert "max-age=" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000
        csrf_cookie = page.headers["set-cookie"]
        assert csrf_cookie.startswith("__Host-csrftoken=")
        assert "Secure" in csrf_cookie and "HttpOnly" in csrf_cookie
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        email = f"prod-{uuid.uuid4().hex[:8]}@example.org"
        asked = await browser.post(
            "/signup",
            data={
                "email": email,
                "display_name": "Prod",
                "password": "correct horse battery",
                "_csrf_token": token,
            },
        )
        assert asked.status_code == 200  # "check your inbox": the account comes from the link
        link = await mailed_link(email, PROD_SIGNUP_LINK)
        confirm_page = await browser.get(link)
        token = re.search(r'name="_csrf_token" value="([^"]+)"', confirm_page.text).group(1)  # type: ignore[union-attr]
        signed_up = await browser.post(link, data={"_csrf_token": token})
        assert signed_up.status_code == 303
        cookies = signed_up.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("__Host-session="))
        flags = {part.strip().lower() for part in session.split(";")[1:]}
        assert "httponly" in flags
        assert "secure" in flags
        assert "samesite=lax" in flags
        assert "path=/" in flags
        assert not any(f.startswith("domain=") for f in flags)  # required by __Host-
        dashboard = await browser.get("/organizer")
        assert dashboard.status_code == 200
        assert dashboard.headers["cache-control"] == "no-store"


async def test_production_answers_only_for_base_url_host(production_app: Litestar) -> None:
    async with _client(production_app, "https://evil.example") as other:
        response = await other.get("/")
        assert response.status_code == 400


async def test_cached_feeds_answer_only_for_base_url_host(production_app: Litestar) -> None:
    """Feeds are answered from their caches before routing: the host check still holds."""
    async with _client(production_app) as ours:
        built = await ours.get("/feeds/events.ics")
        assert built.status_code == 200
        again = await ours.get(
            "/feeds/events.ics", headers={"If-None-Match": built.headers["etag"]}
        )
        assert again.status_code == 304
    async with _client(production_app, "https://evil.example") as other:
        for headers in ({}, {"If-None-Match": built.headers["etag"]}):
            assert (await other.get("/feeds/events.ics", headers=headers)).status_code == 400
    async with _client(production_app) as ours:
        assert (await ours.get("/healthz")).status_code == 200


async def test_development_accepts_any_host(app: Litestar) -> None:
    async with _client(app, "http://localhost:8000") as local:
        assert (await local.get("/healthz")).status_code == 200
