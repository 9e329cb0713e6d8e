"""The composition root: health, security headers, OpenAPI without a CDN."""

from __future__ import annotations

import httpx
from litestar import Litestar

from server.settings import Settings, SettingsError


async def test_healthz_answers_when_database_is_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_healthz_is_503_when_database_is_down(tmp_path, monkeypatch) -> None:
    from server import db

    async def broken() -> bool:
        return False

    monkeypatch.setattr(db, "ping", broken)
    from server.app import healthz

    response = await healthz.fn()
    assert response.status_code == 503


async def test_every_response_has_security_headers(client: httpx.AsyncClient) -> None:
    for path in ("/healthz", "/no-such-page", "/schema/openapi.json"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"


async def test_openapi_schema_is_served_without_cdn_ui(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Muster API"
    ui = await client.get("/schema/swagger")
    assert ui.status_code == 404


async def test_unknown_api_path_is_problem_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404


def test_production_refuses_unsafe_defaults() -> None:
    try:
        Settings.from_env(
            {
                "MUSTER_ENV": "production",
                "BASE_URL": "http://example.org",
                "DATABASE_URL": "sqlite:////tmp/x.db",
            }
        )
    except SettingsError as exc:
        message = str(exc)
    else:
        raise AssertionError("production accepted unsafe defaults")
    assert "SECRET_KEY" in message
    assert "https" in message
    assert "temporary folder" in message
    assert "SMTP_HOST" in message


def test_production_accepts_a_safe_configuration() -> None:
    settings = Settings.from_env(
        {
            "MUSTER_ENV": "production",
            "BASE_URL": "https://muster.example.org",
            "SECRET_KEY": "x" * 40,
            "DATABASE_URL": "postgresql://u@db/muster",
            "SMTP_HOST": "smtp.example.org",
        }
    )
    assert settings.is_production and not settings.is_sqlite


def test_bad_database_url_is_refused() -> None:
    try:
        Settings.from_env({"DATABASE_URL": "mysql://x"})
    except SettingsError as exc:
        assert "DATABASE_URL" in str(exc)
    else:
        raise AssertionError("accepted mysql")


async def test_anonymous_visitors_get_no_session_cookie(
    client: httpx.AsyncClient, app: Litestar
) -> None:
    for path in ("/healthz", "/login", "/static/css/app.css"):
        response = await client.get(path)
        assert "session=" not in response.headers.get("set-cookie", ""), path
    assert await app.stores.get("sessions").exists("anything") is False
