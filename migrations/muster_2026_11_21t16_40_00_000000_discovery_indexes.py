"""Indexes for public discovery (hand-written: engine-specific SQL, runs on both engines).

SQLite: its planner answers a nearby query from the date index (~35 ms over 100k
events), so a spatial R*Tree ``event_geo`` holds each listable event's search point,
kept in sync by triggers on ``event``. R*Tree ids must be integers and ``event``'s key
is a UUID whose implicit rowid VACUUM may renumber, so ``event_search`` gives each event
a stable integer (an INTEGER PRIMARY KEY survives VACUUM).

PostgreSQL: a partial, covering GiST index over the search points of listable events
answers the box query; both engines get a (starts_at, ends_at) index for the upcoming
list ("not ended yet", soonest first).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.sqlite import SQLiteEngine

ID = "2026-11-21T16:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "discovery_indexes"

# Only events that can be listed (public, published or cancelled, with a point) are in
# ``event_search``, a narrow copy of what a search filters on (values as stored: UTC text
# for instants), and their points in the R*Tree: a nearby query never reads the wide
# event rows. R*Tree auxiliary columns would do the same but read slower.
_LISTABLE = (
    "new.visibility = 'public' AND new.status IN ('published', 'cancelled') "
    "AND new.search_lat IS NOT NULL AND new.search_lon IS NOT NULL"
)
_DROP_OLD = """
    DELETE FROM event_geo
        WHERE geo_id = (SELECT geo_id FROM event_search WHERE event_id = old.id);
    DELETE FROM event_search WHERE event_id = old.id;
"""
_ADD_NEW = f"""
    INSERT INTO event_search (event_id, lat, lon, starts_at, ends_at, timezone, organization,
            campaign, status, published)
        SELECT new.id, new.search_lat, new.search_lon, new.starts_at, new.ends_at, new.timezone,
            new.organization, new.campaign, new.status, new.published_at IS NOT NULL
        WHERE {_LISTABLE};
    INSERT INTO event_geo (geo_id, min_lat, max_lat, min_lon, max_lon)
        SELECT geo_id, lat, lat, lon, lon FROM event_search WHERE event_id = new.id;
"""
_WATCHED = (
    "id, organization, campaign, starts_at, ends_at, timezone, search_lat, search_lon, "
    "visibility, status, published_at"
)

SQLITE_FORWARDS = [
    "CREATE TABLE IF NOT EXISTS event_search (geo_id INTEGER PRIMARY KEY, "
    "event_id TEXT NOT NULL UNIQUE, lat REAL NOT NULL, lon REAL NOT NULL, "
    "starts_at TEXT NOT NULL, ends_at TEXT NOT NULL, timezone TEXT NOT NULL, "
    "organization TEXT, campaign TEXT, status TEXT NOT NULL, published INTEGER NOT NULL)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS event_geo "
    "USING rtree(geo_id, min_lat, max_lat, min_lon, max_lon)",
    f"CREATE TRIGGER IF NOT EXISTS event_geo_insert AFTER INSERT ON event BEGIN {_ADD_NEW} END",
    f"CREATE TRIGGER IF NOT EXISTS event_geo_delete AFTER DELETE ON event BEGIN {_DROP_OLD} END",
    f"CREATE TRIGGER IF NOT EXISTS event_geo_update AFTER UPDATE OF {_WATCHED} ON event "
    f"BEGIN {_DROP_OLD} {_ADD_NEW} END",
    # Events that existed before this migration: touching them runs the update trigger.
    "UPDATE event SET search_lat = search_lat",
    "CREATE INDEX IF NOT EXISTS event_starts_ends ON event (starts_at, ends_at)",
]
SQLITE_BACKWARDS = [
    "DROP INDEX IF EXISTS event_starts_ends",
    "DROP TRIGGER IF EXISTS event_geo_update",
    "DROP TRIGGER IF EXISTS event_geo_delete",
    "DROP TRIGGER IF EXISTS event_geo_insert",
    "DROP TABLE IF EXISTS event_geo",
    "DROP TABLE IF EXISTS event_search",
]
# The same idea on PostgreSQL: a GiST index over the points of listable events only,
# carrying what a nearby search reads (INCLUDE), so it is answered from the index.
POSTGRES_FORWARDS = [
    "CREATE INDEX IF NOT EXISTS event_listed_point ON event "
    "USING gist (point(search_lon, search_lat)) "
    "INCLUDE (id, search_lat, search_lon, organization, campaign, starts_at, ends_at, "
    "timezone, status, published_at) "
    "WHERE visibility = 'public' AND status IN ('published', 'cancelled') "
    "AND search_lat IS NOT NULL AND search_lon IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS event_starts_ends ON event (starts_at, ends_at)",
]
POSTGRES_BACKWARDS = [
    "DROP INDEX IF EXISTS event_starts_ends",
    "DROP INDEX IF EXISTS event_listed_point",
]


def _engine():  # type: ignore[no-untyped-def]
    from server import db

    return db.engine()


async def _run(sqlite: list[str], postgres: list[str]) -> None:
    engine = _engine()
    for statement in sqlite if isinstance(engine, SQLiteEngine) else postgres:
        await engine.run_ddl(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="muster", description=DESCRIPTION)

    async def run() -> None:
        await _run(SQLITE_FORWARDS, POSTGRES_FORWARDS)

    async def run_backwards() -> None:
        await _run(SQLITE_BACKWARDS, POSTGRES_BACKWARDS)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
