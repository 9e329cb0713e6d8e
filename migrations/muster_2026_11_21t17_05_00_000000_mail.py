"""Mail: the outbox, the suppression list and unsubscribe tokens (runs on both engines).

The tables are created by Piccolo from the column list below (so each engine gets its
own column types); the claim index over (status, next_attempt_at) is plain SQL that both
SQLite and PostgreSQL accept. No foreign keys: the outbox refers to events by value.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.columns.indexes import IndexMethod
from piccolo.table import create_table_class

ID = "2026-11-21T17:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "mail"

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
    ("Outbox", "mail_outbox"): [
        ("id", UUID, {"default": UUID4(), "primary_key": True}),
        ("idempotency_key", Varchar, {"length": 255, "default": "", "unique": True}),
        ("recipient", Varchar, {"length": 254, "default": ""}),
        ("recipient_name", Varchar, {"length": 200, "default": ""}),
        ("recipient_hash", Varchar, {"length": 64, "default": "", "index": True}),
        ("locale", Varchar, {"length": 16, "default": "en"}),
        ("kind", Varchar, {"length": 40, "default": ""}),
        ("subject", Text, {"default": ""}),
        ("text_body", Text, {"default": ""}),
        ("html_body", Text, {"default": None, "null": True}),
        ("ics", Text, {"default": None, "null": True}),
        ("ics_method", Varchar, {"length": 16, "default": None, "null": True}),
        ("headers", Text, {"default": "{}"}),
        ("context", Text, {"default": None, "null": True}),
        ("event_id", UUID, {"default": None, "null": True, "index": True}),
        ("status", Varchar, {"length": 16, "default": "queued"}),
        ("due_at", Timestamptz, {"default": _NOW()}),
        ("next_attempt_at", Timestamptz, {"default": _NOW()}),
        ("attempts", Integer, {"default": 0}),
        ("lease_until", Timestamptz, {"default": None, "null": True}),
        ("lease_owner", Varchar, {"length": 64, "default": None, "null": True}),
        ("last_error", Text, {"default": ""}),
        ("created_at", Timestamptz, {"default": _NOW()}),
        ("sent_at", Timestamptz, {"default": None, "null": True}),
    ],
    ("Suppression", "mail_suppression"): [
        ("email_hash", Varchar, {"length": 64, "default": "", "primary_key": True}),
        ("created_at", Timestamptz, {"default": _NOW()}),
    ],
    ("UnsubscribeToken", "mail_unsubscribe_token"): [
        ("id", UUID, {"default": UUID4(), "primary_key": True}),
        ("token_hash", Varchar, {"length": 64, "default": "", "unique": True}),
        ("email_hash", Varchar, {"length": 64, "default": "", "index": True}),
        ("created_at", Timestamptz, {"default": _NOW()}),
        ("used_at", Timestamptz, {"default": None, "null": True}),
    ],
}

# The worker's claim: due queued rows and expired leases, oldest first.
_CLAIM_INDEX = (
    "CREATE INDEX IF NOT EXISTS mail_outbox_claim ON mail_outbox (status, next_attempt_at)"
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
    await engine.run_ddl(_CLAIM_INDEX)


async def _drop() -> None:
    engine = _engine()
    await engine.run_ddl("DROP INDEX IF EXISTS mail_outbox_claim")
    for _, tablename in reversed(list(_TABLES)):
        await engine.run_ddl(f'DROP TABLE IF EXISTS "{tablename}"')


async def forwards() -> MigrationManager:
    # Raw steps run before a manager's add_table steps, and the claim index needs the
    # table: so the tables are created here too, from Piccolo column classes.
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)
    manager.add_raw(_create)
    manager.add_raw_backwards(_drop)
    return manager
