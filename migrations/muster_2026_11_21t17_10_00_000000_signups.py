"""Signups: volunteers, shifts, signups, and the RSVP options of an event (both engines).

Tables are created by Piccolo from the column lists below (each engine gets its own
column types and foreign keys); the event's new columns are added with Piccolo's
``ALTER TABLE`` (with their defaults, so existing rows and raw bulk inserts get them).
The indexes are plain SQL both SQLite and PostgreSQL accept:

- ``signup_once``: one signup per (event, slot, volunteer) — ``slot`` is the shift id or
  "" because NULLs never collide in a unique index;
- ``signup_places``: covers the capacity sum (event, status, blocked, slot, guests), so
  counting the places taken never reads the signup rows themselves;
- ``signup_waitlist``: the waitlist order of an event;
- ``signup_notice``: the signups whose email is still to be composed (a partial index).
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import (
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.defaults.uuid import UUID4
from piccolo.table import Table, create_table_class

ID = "2026-11-21T17:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "signups"

_NOW = TimestamptzNow


def _fk(references: type[Table], *, null: bool = False) -> ForeignKey:
    return ForeignKey(
        references=references,
        on_delete=OnDelete.cascade,
        on_update=OnUpdate.cascade,
        null=null,
        default=None,
        index=True,
    )


def _stub(class_name: str, tablename: str) -> type[Table]:
    """A referenced table as foreign keys need it: its name and its UUID primary key."""
    return create_table_class(
        class_name,
        class_kwargs={"tablename": tablename},
        class_members={"id": UUID(default=UUID4(), primary_key=True)},
    )


def _tables() -> list[tuple[str, str, dict[str, Any]]]:
    event = _stub("Event", "event")
    volunteer = {
        "id": UUID(default=UUID4(), primary_key=True),
        "email": Varchar(length=254, default="", unique=True),
        "locale": Varchar(length=16, default="en"),
        "created_at": Timestamptz(default=_NOW()),
        "home_token_hash": Varchar(length=64, null=True, default=None, unique=True),
        "home_token_at": Timestamptz(null=True, default=None),
        "feed_token_hash": Varchar(length=64, null=True, default=None, unique=True),
    }
    volunteer_table = _stub("Volunteer", "volunteer")
    shift = {
        "id": UUID(default=UUID4(), primary_key=True),
        "event": _fk(event),
        "role": Varchar(length=100, default=""),
        "description": Varchar(length=500, default=""),
        "starts_at": Timestamptz(default=_NOW()),
        "ends_at": Timestamptz(default=_NOW()),
        "capacity": Integer(null=True, default=None),
        "created_at": Timestamptz(default=_NOW()),
    }
    shift_table = _stub("Shift", "shift")
    signup = {
        "id": UUID(default=UUID4(), primary_key=True),
        "event": _fk(event),
        "shift": _fk(shift_table, null=True),
        "slot": Varchar(length=36, default=""),
        "volunteer": _fk(volunteer_table),
        "display_name": Varchar(length=100, default=""),
        "phone": Varchar(length=40, default=""),
        "status": Varchar(length=16, default=""),
        "guests": Integer(default=0),
        "manage_token_hash": Varchar(length=64, default="", unique=True),
        "blocked": Boolean(default=False),
        "created_at": Timestamptz(default=_NOW()),
        "updated_at": Timestamptz(default=_NOW()),
        "waitlisted_at": Timestamptz(null=True, default=None),
        "promoted_at": Timestamptz(null=True, default=None),
        "decided_at": Timestamptz(null=True, default=None),
        "checked_in_at": Timestamptz(null=True, default=None),
        "cancelled_at": Timestamptz(null=True, default=None),
        "notice": Varchar(length=16, default=""),
    }
    return [
        ("Volunteer", "volunteer", volunteer),
        ("Shift", "shift", shift),
        ("Signup", "signup", signup),
    ]


def _event_columns() -> list[tuple[str, Any]]:
    return [
        ("waitlist_enabled", Boolean(default=True)),
        ("requires_approval", Boolean(default=False)),
        ("max_guests", Integer(default=0)),
        ("discreet", Boolean(default=False)),
        ("reminder_minutes", Varchar(length=64, default="1440,120")),
    ]


_INDEXES = [
    'CREATE UNIQUE INDEX IF NOT EXISTS signup_once ON "signup" ("event", "slot", "volunteer")',
    'CREATE INDEX IF NOT EXISTS signup_places ON "signup" '
    '("event", "status", "blocked", "slot", "guests")',
    'CREATE INDEX IF NOT EXISTS signup_waitlist ON "signup" ("event", "waitlisted_at")',
    'CREATE INDEX IF NOT EXISTS shift_event_start ON "shift" ("event", "starts_at")',
    # The few signups whose email is still to be composed (signups/notices.py).
    'CREATE INDEX IF NOT EXISTS signup_notice ON "signup" ("updated_at") WHERE "notice" <> \'\'',
]


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _create() -> None:
    engine = _engine()
    event = create_table_class("Event", class_kwargs={"tablename": "event"})
    event._meta.db = engine
    for name, column in _event_columns():
        await event.alter().add_column(name, column).run()
    for class_name, tablename, members in _tables():
        table = create_table_class(
            class_name=class_name, class_kwargs={"tablename": tablename}, class_members=members
        )
        table._meta.db = engine
        await table.create_table(if_not_exists=True).run()
    for statement in _INDEXES:
        await engine.run_ddl(statement)


async def _drop() -> None:
    engine = _engine()
    names = ("signup_notice", "shift_event_start", "signup_waitlist", "signup_places", "signup_once")
    for name in names:
        await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")
    for tablename in ("signup", "shift", "volunteer"):
        await engine.run_ddl(f'DROP TABLE IF EXISTS "{tablename}"')
    event = create_table_class("Event", class_kwargs={"tablename": "event"})
    event._meta.db = engine
    for name, _ in reversed(_event_columns()):
        await event.alter().drop_column(name).run()


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)
    manager.add_raw(_create)
    manager.add_raw_backwards(_drop)
    return manager
