""" "My signups" links of their own: several valid at once, and requests queued.

Asking for a link used to replace the one the volunteer held (anyone may ask for any
address), and the request path read the volunteer table (its timing told whether an
address was known). ``home_link`` keeps every link's hash for its lifetime and
``home_link_request`` holds requests for the background sender.

Links still valid move over. The old ``volunteer.home_token_*`` columns are emptied and
left in place: SQLite cannot drop a column with a UNIQUE constraint, and one schema on
both engines is worth two unused columns.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns import UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

ID = "2026-12-04T19:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "home links"


class Volunteer(Table, tablename="volunteer"):
    id = UUID(primary_key=True)


class HomeLink(Table, tablename="home_link"):
    id = UUID(primary_key=True)
    volunteer = ForeignKey(Volunteer, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class HomeLinkRequest(Table, tablename="home_link_request"):
    id = UUID(primary_key=True)
    email = Varchar(length=400)
    created_at = Timestamptz(default=TimestamptzNow())


TABLES = (HomeLink, HomeLinkRequest)


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _forwards() -> None:
    import uuid

    engine = _engine()
    for table in (Volunteer, *TABLES):
        table._meta.db = engine
    for table in TABLES:
        for statement in table.create_table(if_not_exists=True).ddl:
            await engine.run_ddl(statement)
    held = await Volunteer.raw(
        "SELECT id, home_token_hash, home_token_at FROM volunteer "
        "WHERE home_token_hash IS NOT NULL AND home_token_at IS NOT NULL"
    ).run()
    for row in held:
        await HomeLink.insert(
            HomeLink(
                id=uuid.uuid4(),
                volunteer=row["id"],
                token_hash=row["home_token_hash"],
                created_at=row["home_token_at"],
            )
        ).run()
    await engine.run_ddl("UPDATE volunteer SET home_token_hash = NULL, home_token_at = NULL")


async def _backwards() -> None:
    engine = _engine()
    for table in reversed(TABLES):
        await engine.run_ddl(f'DROP TABLE IF EXISTS "{table._meta.tablename}"')


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)
    manager.add_raw(_forwards)
    manager.add_raw_backwards(_backwards)
    return manager
