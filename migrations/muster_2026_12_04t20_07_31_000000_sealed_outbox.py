"""Mail at rest (invariant 3): queued mail sealed, finished mail wiped.

From here on ``server/mail/sealed.py`` seals the outbox's bodies, subjects, headers,
contexts and recipient names with a key derived from SECRET_KEY (taken from the
environment, as ``muster migrate`` is run with the app's settings). Rows written before
are brought in line: a message still to send is sealed; a sent, failed or dropped one
is wiped, except the context of a sent reminder (sealed: a later move re-plans it).

Both engines: a sealed name is longer than the old VARCHAR(200), so PostgreSQL widens
``recipient_name`` to TEXT; SQLite does not enforce VARCHAR lengths and needs nothing.
The data step uses plain SQL with bound parameters, which both engines accept.
"""

from typing import Any

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.querystring import QueryString

ID = "2026-12-04T20:07:31:000000"
VERSION = "1.38.0"
DESCRIPTION = "sealed outbox"

SEALED = ("recipient_name", "subject", "text_body", "html_body", "ics", "headers", "context")
WIPED: dict[str, Any] = {
    "recipient_name": "",
    "subject": "",
    "text_body": "",
    "html_body": None,
    "ics": None,
    "headers": "{}",
}


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _forwards() -> None:
    from piccolo.engine.postgres import PostgresEngine

    from server.crypto import Box, derive_key, is_sealed
    from server.settings import Settings

    engine = _engine()
    if isinstance(engine, PostgresEngine):
        await engine.run_ddl('ALTER TABLE "mail_outbox" ALTER COLUMN "recipient_name" TYPE TEXT')
    box = Box(derive_key(Settings.from_env().secret_key, "mail-outbox"))
    rows = await engine.run_querystring(
        QueryString(
            'SELECT "id", "status", "recipient_name", "subject", "text_body", "html_body", '
            '"ics", "headers", "context" FROM "mail_outbox"'
        )
    )
    for row in rows:
        values: dict[str, Any]
        if row["status"] in ("queued", "sending"):
            values = {c: row[c] for c in SEALED}
        else:
            keep = row["context"] if row["status"] == "sent" else None
            values = {**WIPED, "context": keep}
        for column, value in values.items():
            if value and not is_sealed(value):
                values[column] = box.seal(value, f"mail_outbox:{column}:{row['id']}")
        await engine.run_querystring(
            QueryString(
                'UPDATE "mail_outbox" SET "recipient_name" = {}, "subject" = {}, '
                '"text_body" = {}, "html_body" = {}, "ics" = {}, "headers" = {}, '
                '"context" = {} WHERE "id" = {}',
                *(values[c] for c in SEALED),
                row["id"],
            )
        )


async def _backwards() -> None:
    """Nothing to undo: sealed values stay sealed (the old code cannot read them)."""


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
