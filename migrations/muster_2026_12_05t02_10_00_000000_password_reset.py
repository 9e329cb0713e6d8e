"""Forgotten passwords: the queue of asked-for reset links (accounts/passwords.py).

The table is declared here as it is at this migration (like home_links), and Piccolo
writes the DDL for the engine in use.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import UUID, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-12-05T02:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "password reset requests"


class PasswordResetRequest(Table, tablename="password_reset_request"):
    id = UUID(primary_key=True)
    email = Varchar(length=400)
    created_at = Timestamptz(default=TimestamptzNow())


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _forwards() -> None:
    engine = _engine()
    PasswordResetRequest._meta.db = engine
    for statement in PasswordResetRequest.create_table(if_not_exists=True).ddl:
        await engine.run_ddl(statement)


async def _backwards() -> None:
    await _engine().run_ddl('DROP TABLE "password_reset_request"')


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
