"""The language of each RSVP and "my signups" request: their mail is written in it.

Hand-written for both engines, like the other ``ADD COLUMN`` migrations: a constant
default runs on SQLite and PostgreSQL alike. Existing signups were all made in English.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-05T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "signup language"


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _forwards() -> None:
    await _engine().run_ddl(
        """ALTER TABLE "signup" ADD COLUMN "language" VARCHAR(8) NOT NULL DEFAULT 'en'"""
    )
    await _engine().run_ddl(
        """ALTER TABLE "home_link_request" ADD COLUMN "language" VARCHAR(8) NOT NULL DEFAULT 'en'"""
    )


async def _backwards() -> None:
    await _engine().run_ddl('ALTER TABLE "signup" DROP COLUMN "language"')
    await _engine().run_ddl('ALTER TABLE "home_link_request" DROP COLUMN "language"')


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
