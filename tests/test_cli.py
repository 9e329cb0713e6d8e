"""The ``muster`` console script, run for real against its own SQLite file."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from server.settings import PROJECT_ROOT
from tests.e2e.live import LiveServer, muster_env, run_muster

ADMIN_PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "cli.db"


@pytest.fixture
def env(database: Path) -> dict[str, str]:
    return muster_env(database, MUSTER_ADMIN_PASSWORD=ADMIN_PASSWORD)


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once per module; each test gets a copy (a migration costs a process start)."""
    database = tmp_path_factory.mktemp("cli-template") / "cli.db"
    result = run_muster("migrate", env=muster_env(database))
    assert result.returncode == 0, result.stderr
    return database


@pytest.fixture
def migrated(env: dict[str, str], database: Path, migrated_template: Path) -> dict[str, str]:
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{migrated_template}{suffix}")
        if source.exists():
            shutil.copyfile(source, Path(f"{database}{suffix}"))
    return env


def _rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(database)) as conn:
        return conn.execute(sql).fetchall()


def test_migrate_creates_the_schema_and_is_idempotent(env: dict[str, str], database: Path) -> None:
    first = run_muster("migrate", env=env)
    assert first.returncode == 0, first.stderr
    tables = {row[0] for row in _rows(database, "SELECT name FROM sqlite_master")}
    assert {"organizer", "organization", "api_token"} <= tables
    second = run_muster("migrate", env=env)
    assert second.returncode == 0, second.stderr
    assert "No migrations need to be run" in second.stdout


def test_create_admin_creates_then_promotes(migrated: dict[str, str], database: Path) -> None:
    created = run_muster("create-admin", "Admin@Example.org", env=migrated)
    assert created.returncode == 0, created.stderr
    assert "created admin admin@example.org" in created.stdout
    assert _rows(database, "SELECT email, is_admin FROM organizer") == [("admin@example.org", 1)]

    again = run_muster("create-admin", "admin@example.org", env=migrated)
    assert again.returncode == 0, again.stderr
    assert "promoted admin admin@example.org" in again.stdout
    assert len(_rows(database, "SELECT id FROM organizer")) == 1


def test_create_admin_without_a_password_refuses_a_new_account(
    migrated: dict[str, str], database: Path
) -> None:
    env = {k: v for k, v in migrated.items() if k != "MUSTER_ADMIN_PASSWORD"}
    result = run_muster("create-admin", "new@example.org", env=env)
    assert result.returncode != 0
    assert "password" in result.stderr
    assert _rows(database, "SELECT id FROM organizer") == []


def test_api_token_is_printed_once_works_and_is_stored_hashed(
    migrated: dict[str, str], database: Path, tmp_path: Path
) -> None:
    assert run_muster("create-admin", "ops@example.org", env=migrated).returncode == 0
    result = run_muster("api-token", "ops@example.org", "--name", "x", env=migrated)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("mst_") and len(token) >= 40

    rows = _rows(database, "SELECT * FROM api_token")
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert token not in stored and token.removeprefix("mst_") not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in rows[0]
    assert "x" in rows[0]

    # It is a working bearer token for the real server; a near miss is not.
    tampered = token[:-2] + ("BB" if token.endswith("AA") else "AA")
    server = LiveServer(migrated, tmp_path)
    try:
        server.wait_healthy()
        with httpx.Client(base_url=server.url, timeout=10) as client:
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
            assert me.json()["email"] == "ops@example.org" and me.json()["is_admin"] is True
            wrong = client.get("/api/v1/me", headers={"Authorization": f"Bearer {tampered}"})
            assert wrong.status_code == 401
    finally:
        server.stop()
    assert token not in server.output()


def test_api_token_for_an_unknown_email_fails(migrated: dict[str, str]) -> None:
    result = run_muster("api-token", "nobody@example.org", env=migrated)
    assert result.returncode != 0
    assert "no organizer with email nobody@example.org" in result.stderr


def test_serve_answers_healthz(migrated: dict[str, str], tmp_path: Path) -> None:
    server = LiveServer(migrated, tmp_path)
    try:
        server.wait_healthy()
        response = httpx.get(f"{server.url}/healthz", timeout=5)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert "server" not in response.headers  # no version banner for scanners
    finally:
        server.stop()


# Production settings that pass every check except the one a test removes. The database is
# never reached: the checks run before anything connects.
PRODUCTION = {
    "MUSTER_ENV": "production",
    "BASE_URL": "https://muster.example.org",
    "SECRET_KEY": "s" * 40,
    "DATABASE_URL": "postgresql://muster@127.0.0.1:1/muster",
    "SMTP_HOST": "smtp.example.org",
}


def test_serve_in_production_refuses_the_default_secret_key(env: dict[str, str]) -> None:
    prod = {k: v for k, v in env.items() if k != "SECRET_KEY"}
    prod.update({k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"})
    result = run_muster("serve", "--port", "1", env=prod, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "Uvicorn running" not in result.stdout + result.stderr


def test_serve_in_production_refuses_several_workers_without_redis(env: dict[str, str]) -> None:
    result = run_muster("serve", "--port", "1", "--workers", "2", env={**env, **PRODUCTION})
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr
    assert "Uvicorn running" not in result.stdout + result.stderr


# Signs in with each "email / password" pair through the accounts service.
CAN_SIGN_IN = """
import sys
from server.accounts import service
from server.cli import _settings, _with_db

for pair in sys.argv[1:]:
    email, password = pair.split(" / ")
    who = _with_db(_settings(), lambda: service.authenticate(email, password))
    print(who.email if who else "refused")
"""


def test_demo_loads_and_prints_working_credentials(
    migrated: dict[str, str], database: Path
) -> None:
    result = run_muster("demo", env=migrated)
    assert result.returncode == 0, result.stderr
    assert "/login" in result.stdout
    pairs = re.findall(r"(\S+@\S+ / \S+)", result.stdout)
    assert pairs, f"no 'email / password' in:\n{result.stdout}"
    events = _rows(database, "SELECT count(*) FROM event")[0][0]
    assert isinstance(events, int) and events > 0

    answers = subprocess.run(
        [sys.executable, "-c", CAN_SIGN_IN, *pairs],
        env=migrated,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    assert answers == [pair.split(" / ")[0] for pair in pairs]
