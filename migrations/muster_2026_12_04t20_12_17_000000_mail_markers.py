"""Mail still to compose: event-change notices and bounded compose retries (both engines).

``mail_event_notice``: one row per event whose attendees are owed a change or
cancellation notice, written in the event's transaction and composed in the background.
``mail_compose_retry``: attempt counts and backoff for mail another feature failed to
compose. Tables made by Piccolo from column classes (each engine gets its own types);
the due-scan index is plain SQL both accept. No foreign keys: events are referred to by
value, as in the outbox.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, Boolean, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import create_table_class

ID = "2026-12-04T20:12:17:000000"
VERSION = "1.38.0"
DESCRIPTION = "mail markers"

_BASE: dict[str, Any] = {
    "null": False,
    "primary_key": False,
    "unique": False,
    "index": False,
    "index_method": IndexMethod.btree,
    "choices": None,
    "db_column_name": None,
    "secret": False,
}
_NOW = TimestamptzNow
_TABLES: dict[tuple[str, str], list[tuple[str, Any, dict[str, Any]]]] = {
    ("EventNotice", "mail_event_notice"): [
        ("id", UUID, {"default": UUID4(), "primary_key": True}),
        ("event_id", UUID, {"default": UUID4(), "unique": True}),
        ("kind", Varchar, {"length": 16, "default": ""}),
        ("sequence", Integer, {"default": 0}),
        ("changed", Varchar, {"length": 100, "default": ""}),
        ("reminders", Boolean, {"default": False}),
        ("version", Integer, {"default": 0}),
        ("status", Varchar, {"length": 16, "default": "pending"}),
        ("attempts", Integer, {"default": 0}),
        ("next_attempt_at", Timestamptz, {"default": _NOW()}),
        ("last_error", Text, {"default": ""}),
        ("created_at", Timestamptz, {"default": _NOW()}),
    ],
    ("ComposeRetry", "mail_compose_retry"): [
        ("key", Varchar, {"length": 120, "default": "", "primary_key": True}),
        ("attempts", Integer, {"default": 0}),
        ("next_attempt_at", Timestamptz, {"default": _NOW()}),
        ("gave_up", Boolean, {"default": False}),
        ("last_error", Text, {"default": ""}),
        ("updated_at", Timestamptz, {"default": _NOW()}),
    ],
}
_DUE_INDEX = (
    "CREATE INDEX IF NOT EXISTS mail_event_notice_due "
    "ON mail_event_notice (status, next_attempt_at)"
)


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _create() -> None:
    engine = _engine()
    for (class_name, tablename), columns in _TABLES.items():
        members = {name: cls(**{**_BASE, **params}) for name, cls, params in columns}
        table = create_table_class(
            class_name=class_name, class_kwargs={"tablename": tablename}, class_members=members
        )
        table._meta.db = engine
        await table.create_table(if_not_exists=True).run()
    await engine.run_ddl(_DUE_INDEX)


async def _drop() -> None:
    engine = _engine()
    await engine.run_ddl("DROP INDEX IF EXISTS mail_event_notice_due")
    for _, tablename in reversed(list(_TABLES)):
        await engine.run_ddl(f'DROP TABLE IF EXISTS "{tablename}"')


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)
    manager.add_raw(_create)
    manager.add_raw_backwards(_drop)
    return manager
