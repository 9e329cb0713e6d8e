"""Audit log: one ``audit_entry`` table per installation, rows per organization.

Hand-written for both engines: the table comes from Piccolo's own DDL for the snapshot
class below (so column types match what Piccolo reads back), and the composite index
(organization, created_at) that the owners' newest-first pages walk is plain SQL that
SQLite and PostgreSQL both accept.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-11-21T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit"


class Organizer(Table, tablename="organizer"):
    id = UUID(primary_key=True)


class Organization(Table, tablename="organization"):
    id = UUID(primary_key=True)


class AuditEntry(Table, tablename="audit_entry"):
    id = UUID(primary_key=True)
    organization = ForeignKey(Organization)  # indexed with created_at: see INDEX
    actor = ForeignKey(Organizer, null=True, default=None, on_delete=OnDelete.set_null)
    via = Varchar(length=120, default="")
    action = Varchar(length=48)
    subject_id = Varchar(length=64, default="")
    subject = Varchar(length=300, default="")
    detail = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    last_at = Timestamptz(default=TimestamptzNow())
    repeats = Integer(default=1)


INDEX = "audit_entry_organization_created_at"


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _forwards() -> None:
    engine = _engine()
    for table in (Organizer, Organization, AuditEntry):
        table._meta.db = engine
    for statement in AuditEntry.create_table(if_not_exists=True).ddl:
        await engine.run_ddl(statement)
    await engine.run_ddl(
        f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "audit_entry" ("organization", "created_at")'
    )


async def _backwards() -> None:
    engine = _engine()
    await engine.run_ddl(f'DROP INDEX IF EXISTS "{INDEX}"')
    await engine.run_ddl('DROP TABLE IF EXISTS "audit_entry"')


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
