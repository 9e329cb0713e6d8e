"""The composition root: health, security headers, OpenAPI without a CDN."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from server import crypto, db
from server.app import create_app
from server.mail import service as mail_service
from server.settings import Settings, SettingsError
from tests.conftest import make_client


async def test_healthz_answers_when_database_is_up(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# Piccolo warns when it cannot read the server's version: that is the point here.
piccolo_cannot_connect = pytest.mark.filterwarnings("ignore:.*Unable to connect to database")


@pytest.fixture(params=["sqlite-folder-removed", "postgresql-refused"])
async def database_down(
    request: pytest.FixtureRequest, app: Litestar, settings: Settings, tmp_path: Path
) -> AsyncIterator[Litestar]:
    """A second app whose database really does not answer, on either engine whatever the
    run's own: SQLite's folder is removed after the engine started on it (the next query
    cannot open the file); PostgreSQL's address refuses connections (nothing listens on
    port 1, so it fails at once, well inside the ping's 2 s). The session's engine and
    settings are bound again afterwards."""
    session_engine = db.engine()
    folder = tmp_path / "data"
    if request.param == "sqlite-folder-removed":
        url = f"sqlite:///{folder / 'muster.db'}"
    else:
        url = "postgresql://muster@127.0.0.1:1/muster"
    application = create_app(replace(settings, database_url=url))  # binds its engine
    engine = db.engine()
    try:
        if request.param == "sqlite-folder-removed":
            await db.start(engine)  # makes the folder and the file: the database is up...
            assert await db.ping()
            shutil.rmtree(folder)  # ...and now it is gone
        yield application
    finally:
        if request.param == "sqlite-folder-removed":
            await db.stop(engine)
        db.bind(session_engine)
        crypto.use_secret_key(settings.secret_key)
        mail_service.configure(settings)


@piccolo_cannot_connect
async def test_healthz_is_503_when_database_is_down(database_down: Litestar) -> None:
    async with make_client(database_down) as client:
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "database unavailable"}


@piccolo_cannot_connect
async def test_routes_answer_a_clear_503_when_database_is_down(database_down: Litestar) -> None:
    async with make_client(database_down) as client:
        api = await client.get("/api/v1/events")
        page = await client.get("/")
    assert api.status_code == 503
    assert api.headers["content-type"].startswith("application/problem+json")
    problem = api.json()
    assert problem["status"] == 503 and problem["title"] == "Service unavailable"
    assert "database" in problem["detail"]
    assert api.headers["retry-after"]
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    for response in (api, page):
        assert "Traceback" not in response.text and "OperationalError" not in response.text


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
