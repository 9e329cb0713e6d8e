"""Calendar feeds: an index for "cancelled in the last 30 days" (hand-written, both engines).

A public feed keeps cancelled events for 30 days after the cancellation (STATUS:CANCELLED,
so subscribed calendars remove them). Without an index that question reads every event;
a partial index holds only the cancelled ones (SQLite and PostgreSQL both accept it).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-21T17:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "calendar"

FORWARDS = [
    "CREATE INDEX IF NOT EXISTS event_cancelled_at ON event (cancelled_at) "
    "WHERE cancelled_at IS NOT NULL",
]
BACKWARDS = ["DROP INDEX IF EXISTS event_cancelled_at"]


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _run(statements: list[str]) -> None:
    engine = _engine()
    for statement in statements:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)

    async def run() -> None:
        await _run(FORWARDS)

    async def run_backwards() -> None:
        await _run(BACKWARDS)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
