"""Sign-up anomaly hints: a keyed hash of the network each signup came from.

Hand-written for both engines: ``ALTER TABLE ... ADD COLUMN`` with a constant default
runs on SQLite and PostgreSQL alike. No index: the hints read one event's signups
through the existing ``signup.event`` index and group them in Python.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-21T17:35:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "signup network"


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _forwards() -> None:
    await _engine().run_ddl(
        """ALTER TABLE "signup" ADD COLUMN "network" VARCHAR(16) NOT NULL DEFAULT ''"""
    )


async def _backwards() -> None:
    await _engine().run_ddl('ALTER TABLE "signup" DROP COLUMN "network"')


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
