"""Events in several languages: the language an event (and a campaign) is written in,
the languages spoken at an event, and organizers' translations of their titles and
descriptions (and of action tasks' scripts).

Hand-written for both engines: constant defaults on ``ADD COLUMN`` and a plain
``CREATE TABLE`` run on SQLite and PostgreSQL alike (``UUID`` is a declared type SQLite
keeps, and Piccolo reads it back as a UUID). Existing events and campaigns were all written in English.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-12-05T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "event translations"

_EVENT_TRANSLATION = """CREATE TABLE "event_translation" (
    "id" UUID PRIMARY KEY NOT NULL,
    "event" UUID NOT NULL REFERENCES "event" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "language" VARCHAR(8) NOT NULL DEFAULT '',
    "title" VARCHAR(200) NOT NULL DEFAULT '',
    "description" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "event_translation_event_language" UNIQUE ("event", "language")
)"""

_CAMPAIGN_TRANSLATION = """CREATE TABLE "campaign_translation" (
    "id" UUID PRIMARY KEY NOT NULL,
    "campaign" UUID NOT NULL REFERENCES "campaign" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "language" VARCHAR(8) NOT NULL DEFAULT '',
    "title" VARCHAR(200) NOT NULL DEFAULT '',
    "description" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "campaign_translation_campaign_language" UNIQUE ("campaign", "language")
)"""

_TASK_TRANSLATION = """CREATE TABLE "action_task_translation" (
    "id" UUID PRIMARY KEY NOT NULL,
    "task" UUID NOT NULL REFERENCES "action_task" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    "language" VARCHAR(8) NOT NULL DEFAULT '',
    "title" VARCHAR(200) NOT NULL DEFAULT '',
    "instructions" TEXT NOT NULL DEFAULT '',
    "subject" VARCHAR(300) NOT NULL DEFAULT '',
    "script" TEXT NOT NULL DEFAULT '',
    CONSTRAINT "action_task_translation_task_language" UNIQUE ("task", "language")
)"""


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _forwards() -> None:
    engine = _engine()
    await engine.run_ddl(
        """ALTER TABLE "event" ADD COLUMN "language" VARCHAR(8) NOT NULL DEFAULT 'en'"""
    )
    await engine.run_ddl(
        """ALTER TABLE "event" ADD COLUMN "spoken_languages" VARCHAR(64) NOT NULL DEFAULT ''"""
    )
    await engine.run_ddl(_EVENT_TRANSLATION)
    await engine.run_ddl('CREATE INDEX "event_translation_event" ON "event_translation" ("event")')
    await engine.run_ddl(
        """ALTER TABLE "campaign" ADD COLUMN "language" VARCHAR(8) NOT NULL DEFAULT 'en'"""
    )
    await engine.run_ddl(_CAMPAIGN_TRANSLATION)
    await engine.run_ddl(
        'CREATE INDEX "campaign_translation_campaign" ON "campaign_translation" ("campaign")'
    )
    await engine.run_ddl(_TASK_TRANSLATION)
    await engine.run_ddl(
        'CREATE INDEX "action_task_translation_task" ON "action_task_translation" ("task")'
    )


async def _backwards() -> None:
    engine = _engine()
    await engine.run_ddl('DROP TABLE IF EXISTS "action_task_translation"')
    await engine.run_ddl('DROP TABLE IF EXISTS "campaign_translation"')
    await engine.run_ddl('ALTER TABLE "campaign" DROP COLUMN "language"')
    await engine.run_ddl('DROP TABLE IF EXISTS "event_translation"')
    await engine.run_ddl('ALTER TABLE "event" DROP COLUMN "spoken_languages"')
    await engine.run_ddl('ALTER TABLE "event" DROP COLUMN "language"')


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
