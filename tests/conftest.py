"""Shared fixtures: one real database per test run (SQLite file, or PostgreSQL when
DATABASE_URL says so), migrated once and emptied before every test; the app's lifespan
runs once; each test gets a fresh HTTP client with its own cookies."""

from __future__ import annotations

import os
import re
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from server import db
from server.app import create_app
from server.settings import Settings

_TMP = Path(tempfile.mkdtemp(prefix="muster-test-"))


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    return url if url.startswith("postgres") else f"sqlite:///{_TMP / 'test.db'}"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(
        database_url=_database_url(),
        secret_key="test-secret-key-that-is-long-enough-0123456789",
        base_url="http://testserver",
        mail_dir=_TMP / "mail",
        mail_worker=False,  # tests drive the mail worker themselves (tests/mail)
    )


async def _reset_schema(settings: Settings) -> None:
    from server.cli import run_migrations

    if not settings.is_sqlite:
        tables = (
            await db.all_tables()[0]
            .raw("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            .run()
        )
        for row in tables:
            await db.all_tables()[0].raw(f'DROP TABLE IF EXISTS "{row["tablename"]}" CASCADE').run()
    await run_migrations()


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Litestar]:
    application = create_app(settings)
    engine = db.engine()
    # The app's lifespan only opens and closes the engine; doing it here keeps setup and
    # teardown in pytest's own task (anyio cancel scopes must not cross tasks).
    await db.start(engine)
    await _reset_schema(settings)
    db.guard_writes()  # the app's writes outside write_transaction() now raise
    yield application
    await db.stop(engine)


def _table_names() -> list[str]:
    return [t._meta.tablename for t in db.all_tables()]


def forget_caches() -> None:
    """Empty every cache the app keeps in module globals: the LRUs of public answers and
    built feeds all at once, and the memos of polled state (the change version, approved
    organizations), which tests must drop because emptying the tables restarts them."""
    from server.calendar import http
    from server.events import changes, search
    from server.web import caching

    caching.forget_all()
    for module in (changes, search, http):
        module.forget()


@pytest.fixture(autouse=True)
async def clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test starts from empty tables, empty caches and empty stores (sessions, rate
    limits), and leaves no cache behind for a test without the app."""
    if "app" in request.fixturenames:
        application: Litestar = request.getfixturevalue("app")
        first = db.all_tables()[0]
        if db.is_sqlite():
            for name in reversed(_table_names()):
                await first.raw(f'DELETE FROM "{name}"').run()
        else:
            names = ", ".join(f'"{n}"' for n in _table_names())
            await first.raw(f"TRUNCATE {names} CASCADE").run()
        for name in ("sessions", "rate_limit", "response_cache"):
            await application.stores.get(name).delete_all()
    forget_caches()
    yield
    forget_caches()


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(app) as c:
        yield c


def make_client(app: Litestar) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))  # type: ignore[arg-type]
    return httpx.AsyncClient(
        transport=transport, base_url="http://testserver", follow_redirects=False
    )


@pytest.fixture
def client_factory(app: Litestar) -> Iterator[Any]:
    """For tests that need several independent browsers (two organizers, a volunteer)."""
    yield lambda: make_client(app)


CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def csrf_token(client: httpx.AsyncClient, path: str = "/login") -> str:
    """The token a page would put in its forms (also sets the CSRF cookie)."""
    response = await client.get(path)
    match = CSRF_INPUT.search(response.text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def unique_email(prefix: str = "org") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.org"
