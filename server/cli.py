"""The ``muster`` command: serve, migrate, demo, worker, create-admin, api-token, purge.

Every command works against whatever ``DATABASE_URL`` names.
"""

from __future__ import annotations

import asyncio
import getpass
import logging.config
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

from server import db, i18n
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
@click.option(
    "--port",
    default=lambda: os.environ.get("PORT", "8000"),
    type=click.IntRange(1, 65535),
    help="[default: $PORT or 8000]",
)
@click.option(
    "--workers",
    default=lambda: os.environ.get("WEB_CONCURRENCY", "1"),
    type=click.IntRange(min=1),
    help="Worker processes [default: $WEB_CONCURRENCY or 1]; more than one needs REDIS_URL.",
)
@click.option(
    "--no-worker",
    is_flag=True,
    help="Do not send mail from this process (run `muster worker` alone instead).",
)
def serve(host: str, port: int, workers: int, no_worker: bool) -> None:
    """Serve the app with uvicorn (and send queued mail, unless --no-worker)."""
    import uvicorn

    from server.logging import uvicorn_log_config

    if no_worker:
        os.environ["MAIL_WORKER"] = "0"  # read by each app process's settings
    settings = _settings()  # fail fast, with a clear message, on a bad environment
    if workers > 1 and not settings.redis_url:
        # Sessions and rate limits live in process memory without Redis: a sign-in made on
        # one worker would be unknown to the next, and every worker would count apart.
        problem = "more than one worker needs REDIS_URL to share sessions and rate limits"
        if settings.is_production:
            raise click.ClickException(f"refusing to start in production: {problem}")
        click.echo(f"Warning: {problem}; sign-ins will seem to vanish.", err=True)
    uvicorn.run(
        "server.asgi:app",
        host=host,
        port=port,
        workers=workers,
        proxy_headers=False,  # client addresses come from TRUSTED_PROXIES, see web/ratelimit.py
        server_header=False,
        log_config=uvicorn_log_config(),  # secret links never reach the logs (invariant 3)
    )


@main.command()
def worker() -> None:
    """Send queued mail until stopped (SIGINT/SIGTERM); pair with `serve --no-worker`."""
    import signal

    from server import crypto
    from server.logging import uvicorn_log_config
    from server.mail import service as mail_service
    from server.mail import worker as mail_worker
    from server.privacy import lifecycle as privacy_lifecycle
    from server.signups import notices as signups_notices

    logging.config.dictConfig(uvicorn_log_config())  # secret links never reach the logs
    settings = _settings()
    crypto.use_secret_key(settings.secret_key)  # the key that opens sealed mail
    i18n.set_default(settings.default_language)
    mail_service.configure(settings)

    async def work() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        target = settings.smtp_host or str(settings.mail_dir)
        click.echo(f"mail worker sending to {target}; Ctrl+C stops it", err=True)
        # Signup emails are composed here too (signups/notices.py), then sent like any mail.
        async with (
            signups_notices.running(),
            privacy_lifecycle.running(settings.purge_after_days),  # hourly (invariant 6)
        ):
            await mail_worker.worker_for(settings, mail_service.config()).run(stop)

    _with_db(settings, work)


@main.command()
def demo() -> None:
    """Load demo data into an empty database (does nothing if there is data)."""
    from server.demo import load_demo

    message = _with_db(_settings(), load_demo)
    click.echo(message)


@main.command()
@click.option(
    "--days",
    type=click.IntRange(min=0),
    default=None,
    help="Purge events that ended more than DAYS days ago [default: $PURGE_AFTER_DAYS or 30].",
)
def purge(days: int | None) -> None:
    """Delete the personal data of long-ended events (signups, mail, completion notes)."""
    from server.privacy import lifecycle

    settings = _settings()

    async def work() -> lifecycle.PurgeReport:
        return await lifecycle.purge(settings.purge_after_days if days is None else days)

    click.echo(str(_with_db(settings, work)))


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
    from server.accounts import api_tokens, service
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
        _, token = await api_tokens.create(who, name)
        return token

    click.echo(_with_db(_settings(), work))


if __name__ == "__main__":
    main()
