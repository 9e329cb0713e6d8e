"""Actions: tasks, their per-country targets, and completions (hand-written, both engines).

The tables are created from the snapshot classes below with Piccolo's own DDL (so column
types match what Piccolo reads back on each engine), then the composite UNIQUE indexes that
Piccolo cannot declare on SQLite: one target per (task, country); one completion per
(task, idempotency_key) and per (task, volunteer_id) — NULL volunteer ids (anonymous
completions) never collide, on either engine.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import UUID, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-11-21T17:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "actions"


class Organization(Table, tablename="organization"):
    id = UUID(primary_key=True)


class Campaign(Table, tablename="campaign"):
    id = UUID(primary_key=True)


class Event(Table, tablename="event"):
    id = UUID(primary_key=True)


class ActionTask(Table, tablename="action_task"):
    id = UUID(primary_key=True)
    organization = ForeignKey(Organization, index=True)
    campaign = ForeignKey(Campaign, index=True)
    event = ForeignKey(Event, null=True, default=None, on_delete=OnDelete.set_null)
    kind = Varchar(length=16)
    title = Varchar(length=200)
    instructions = Text(default="")
    subject = Varchar(length=300, default="")
    script = Text(default="")
    goal = Integer(null=True, default=None)
    position = Integer(default=0)
    archived_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ActionTarget(Table, tablename="action_target"):
    id = UUID(primary_key=True)
    task = ForeignKey(ActionTask, index=True, on_delete=OnDelete.cascade)
    country = Varchar(length=3)
    name = Varchar(length=200)
    organisation = Varchar(length=200, default="")
    phone = Varchar(length=40, default="")
    email = Varchar(length=254, default="")
    postal_address = Text(default="")
    url = Varchar(length=500, default="")
    office_hours = Varchar(length=200, default="")
    language = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class ActionCompletion(Table, tablename="action_completion"):
    id = UUID(primary_key=True)
    task = ForeignKey(ActionTask, index=True, on_delete=OnDelete.cascade)
    campaign = ForeignKey(Campaign, index=True)
    outcome = Varchar(length=16)
    country = Varchar(length=2, default="")
    note = Text(default="")
    idempotency_key = Varchar(length=100)
    volunteer_id = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())


TABLES = (ActionTask, ActionTarget, ActionCompletion)
INDEXES = [
    'CREATE UNIQUE INDEX IF NOT EXISTS action_target_task_country '
    'ON "action_target" ("task", "country")',
    'CREATE UNIQUE INDEX IF NOT EXISTS action_completion_task_key '
    'ON "action_completion" ("task", "idempotency_key")',
    'CREATE UNIQUE INDEX IF NOT EXISTS action_completion_task_volunteer '
    'ON "action_completion" ("task", "volunteer_id")',
    'CREATE INDEX IF NOT EXISTS action_task_campaign_position '
    'ON "action_task" ("campaign", "position")',
]


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _forwards() -> None:
    engine = _engine()
    for table in (Organization, Campaign, Event, *TABLES):
        table._meta.db = engine
    for table in TABLES:
        for statement in table.create_table(if_not_exists=True).ddl:
            await engine.run_ddl(statement)
    for statement in INDEXES:
        await engine.run_ddl(statement)


async def _backwards() -> None:
    engine = _engine()
    for table in reversed(TABLES):
        await engine.run_ddl(f'DROP TABLE IF EXISTS "{table._meta.tablename}"')


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
