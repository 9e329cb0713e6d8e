"""The ``muster`` command: serve, migrate, demo, worker, create-admin, api-token, purge.

Every command works against whatever ``DATABASE_URL`` names.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from server import db
from server.settings import Settings, SettingsError

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


def _with_db(settings: Settings, work: Callable[[], Awaitable[T]]) -> T:
    """Run ``work`` with the engine bound and (for PostgreSQL) its pool open."""

    async def runner() -> T:
        engine = db.make_engine(settings.database_url)
        db.bind(engine)
        await db.start(engine)
        try:
            return await work()
        finally:
            await db.stop(engine)

    return asyncio.run(runner())


async def run_migrations() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="muster", migration_id="all", fake=False)
    if not result.success:
        raise click.ClickException(f"migration failed: {result.message}")


@click.group()
def main() -> None:
    """Muster: rally and volunteer coordination."""


@main.command()
def migrate() -> None:
    """Bring the database to the current schema."""
    _with_db(_settings(), run_migrations)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=lambda: int(os.environ.get("PORT", "8000")), type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the app with uvicorn."""
    import uvicorn

    _settings()  # fail fast, with a clear message, on a bad environment
    uvicorn.run(
        "server.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,  # client addresses come from TRUSTED_PROXIES, see web/ratelimit.py
        server_header=False,
        log_config=_log_config(),
    )


def _log_config() -> dict[str, Any]:
    import uvicorn.config

    config: dict[str, Any] = dict(uvicorn.config.LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": "server.logging.RedactSecretsFilter"}}
    for handler in ("default", "access"):
        config["handlers"][handler] = dict(config["handlers"][handler], filters=["redact"])
    return config


@main.command()
def demo() -> None:
    """Load demo data into an empty database (does nothing if there is data)."""
    from server.demo import load_demo

    message = _with_db(_settings(), load_demo)
    click.echo(message)


@main.command("create-admin")
@click.argument("email")
def create_admin(email: str) -> None:
    """Make EMAIL an admin (creating the account; asks for a password or reads MUSTER_ADMIN_PASSWORD)."""
    from server.accounts import service
    from server.errors import ValidationFailed

    password = os.environ.get("MUSTER_ADMIN_PASSWORD")
    if password is None and sys.stdin.isatty():
        password = getpass.getpass("Password for a new account (ignored if it exists): ")

    async def work() -> tuple[Any, bool]:
        return await service.make_admin(email, password)

    try:
        who, created = _with_db(_settings(), work)
    except ValidationFailed as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"{'created' if created else 'promoted'} admin {who.email}")


@main.command("api-token")
@click.argument("email")
@click.option("--name", default="script", show_default=True)
def api_token(email: str, name: str) -> None:
    """Print a new API token for the organizer EMAIL (shown once; stored hashed)."""
    from server.accounts import service
    from server.accounts.tables import Organizer

    async def work() -> str:
        row = (
            await Organizer.select(Organizer.id)
            .where(Organizer.email == service.normalize_email(email))
            .first()
        )
        if row is None:
            raise click.ClickException(f"no organizer with email {email}")
        who = await service.organizer_by_id(row["id"])
        assert who is not None
        _, token = await service.create_api_token(who, name)
        return token

    click.echo(_with_db(_settings(), work))


if __name__ == "__main__":
    main()
