"""Privacy and safety: two-factor columns, recovery codes, session generations, reports.

Hand-written for both engines: ``ALTER TABLE ... ADD COLUMN`` with a constant default
runs on SQLite and PostgreSQL alike; new tables use Piccolo's own DDL from the snapshot
classes below so column types match what Piccolo reads back.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import UUID, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-11-21T17:25:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "privacy"


class Organizer(Table, tablename="organizer"):
    id = UUID(primary_key=True)


class Event(Table, tablename="event"):
    id = UUID(primary_key=True)


class RecoveryCode(Table, tablename="recovery_code"):
    id = UUID(primary_key=True)
    organizer = ForeignKey(Organizer, index=True)
    code_hash = Varchar(length=64, unique=True)
    used_at = Timestamptz(null=True, default=None)


class Report(Table, tablename="event_report"):
    id = UUID(primary_key=True)
    event = ForeignKey(Event, index=True)
    reason = Varchar(length=32)
    details = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    handled_at = Timestamptz(null=True, default=None)
    handled_by = ForeignKey(Organizer, null=True, default=None)


TABLES = (RecoveryCode, Report)


def _columns(postgres: bool) -> list[str]:
    timestamptz = "TIMESTAMP WITH TIME ZONE" if postgres else "TIMESTAMPTZ"
    return [
        """ALTER TABLE "organizer" ADD COLUMN "totp_secret" TEXT NOT NULL DEFAULT ''""",
        f'ALTER TABLE "organizer" ADD COLUMN "totp_enabled_at" {timestamptz} NULL',
        'ALTER TABLE "organizer" ADD COLUMN "totp_last_step" INTEGER NOT NULL DEFAULT 0',
        'ALTER TABLE "organizer" ADD COLUMN "session_generation" INTEGER NOT NULL DEFAULT 0',
        'ALTER TABLE "organization" ADD COLUMN "require_2fa" BOOLEAN NOT NULL DEFAULT FALSE',
    ]


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _forwards() -> None:
    from piccolo.engine.postgres import PostgresEngine

    engine = _engine()
    for statement in _columns(isinstance(engine, PostgresEngine)):
        await engine.run_ddl(statement)
    for table in (Organizer, Event, *TABLES):
        table._meta.db = engine
    for table in TABLES:
        for statement in table.create_table(if_not_exists=True).ddl:
            await engine.run_ddl(statement)


async def _backwards() -> None:
    engine = _engine()
    for table in reversed(TABLES):
        await engine.run_ddl(f'DROP TABLE IF EXISTS "{table._meta.tablename}"')
    for table, column in (
        ("organizer", "totp_secret"),
        ("organizer", "totp_enabled_at"),
        ("organizer", "totp_last_step"),
        ("organizer", "session_generation"),
        ("organization", "require_2fa"),
    ):
        await engine.run_ddl(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
