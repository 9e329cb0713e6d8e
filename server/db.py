"""The database engine, its lifespan, and the one way to write: ``write_transaction()``.

There is one engine per process, made from ``DATABASE_URL``. This module holds it:
``bind(engine)`` (``create_app``, the CLI, the tests) points every table at it, and
Piccolo's own code (migrations) finds the same engine through ``server.piccolo_conf.DB``,
which asks ``engine()`` here. So the app, the CLI and the tests can never talk to two
databases by accident. Importing this module or ``piccolo_conf`` neither builds an engine
nor touches the disk: a SQLite file's folder is made by ``start()``.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import logging
import os
import re
import socket
import sqlite3
import sys
import weakref
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from asyncpg.exceptions import (
    CannotConnectNowError,
    LockNotAvailableError,
    PostgresConnectionError,
    TooManyConnectionsError,
)
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType
from piccolo.table import Table

from server.errors import Busy
from server.i18n import N_
from server.settings import DEFAULT_DATABASE_URL

log = logging.getLogger(__name__)

# Writers wait this long for SQLite's single write lock instead of failing at once.
SQLITE_BUSY_TIMEOUT_S = 30.0


def make_engine(database_url: str) -> Engine:
    """Build (without connecting) the engine ``database_url`` names."""
    parts = urlsplit(database_url)
    if parts.scheme == "sqlite":
        path = Path(database_url.removeprefix("sqlite:///").removeprefix("sqlite://"))
        return _SQLite(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
    if parts.scheme in ("postgresql", "postgres"):
        return _Postgres(config={"dsn": database_url}, extensions=())
    raise ValueError(f"unsupported DATABASE_URL scheme: {parts.scheme!r}")


def all_tables() -> list[type[Table]]:
    from server.piccolo_app import APP_CONFIG

    return list(APP_CONFIG.table_classes)


# The process's engine; ``server.piccolo_conf.DB`` reads it, so Piccolo sees it too.
_engine: Engine | None = None


def bind(engine: Engine) -> None:
    """Make ``engine`` the one every table, and Piccolo's migrations, talk to."""
    from piccolo.apps.migrations.tables import Migration

    global _engine
    _engine = engine
    # A table keeps the first engine it finds: set each one, Piccolo's record of the
    # migrations that ran included, so binding another engine takes effect everywhere.
    tables: list[type[Table]] = [*all_tables(), Migration]
    for table in tables:
        table._meta.db = engine


def engine() -> Engine:
    """The bound engine; unbound (Piccolo's own command line, a script), the one
    ``DATABASE_URL`` names, built (not connected) on first use."""
    if _engine is None:
        bind(make_engine(os.environ.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL))
    assert _engine is not None
    return _engine


def is_sqlite() -> bool:
    return isinstance(engine(), SQLiteEngine)


def prepare_sqlite_file(path: str) -> None:
    """Make the file's folder (a fresh ``var/``), then switch it to WAL: readers go on
    while one writer holds the lock, and that is a property of the file."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")


async def start(db: Engine) -> None:
    if isinstance(db, SQLiteEngine):
        await asyncio.to_thread(prepare_sqlite_file, db.path)
    elif isinstance(db, PostgresEngine):
        await db.start_connection_pool(min_size=1, max_size=10)


async def stop(db: Engine) -> None:
    if isinstance(db, PostgresEngine):
        await db.close_connection_pool()
    elif isinstance(db, SQLiteEngine):
        await _close_writer_connection(db.path)


@dataclass
class _SqliteWriter:
    """This event loop's SQLite writer: a lock that queues the process's writers in order,
    and one long-lived connection they take turns on. (Writers waiting in SQLite's busy
    handler instead sleep in growing steps of up to 100 ms: under concurrent RSVPs that
    sleeping, not the work, made the latency; and Piccolo opens a new connection, with
    its own thread, for every transaction.)"""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    connections: dict[str, Any] = field(default_factory=dict)


# Per event loop: a CLI may run several loops, one after another.
_WRITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _SqliteWriter] = (
    weakref.WeakKeyDictionary()
)


def _sqlite_writer() -> _SqliteWriter:
    loop = asyncio.get_running_loop()
    writer = _WRITERS.get(loop)
    if writer is None:
        writer = _WRITERS[loop] = _SqliteWriter()
    return writer


async def _close_writer_connection(path: str) -> None:
    with contextlib.suppress(RuntimeError):  # no running loop: nothing was opened in it
        connection = _sqlite_writer().connections.pop(path, None)
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()


class _WriterTransaction(SQLiteTransaction):
    """``BEGIN IMMEDIATE`` on the loop's writer connection, which stays open afterwards."""

    async def get_connection(self) -> Any:
        writer = _sqlite_writer()
        connection = writer.connections.get(self.engine.path)
        if connection is None:
            connection = await self.engine.get_connection()
            writer.connections[self.engine.path] = connection
        return connection

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            # The connection's state is unknown now: the next writer starts afresh.
            await _close_writer_connection(self.engine.path)
            raise
        finally:
            self.engine.current_transaction.reset(self.context)
        return exception is None


# Set inside write_transaction(): ``guard_writes`` (the tests) refuses writes without it.
_WRITING: contextvars.ContextVar[bool] = contextvars.ContextVar("muster_writing", default=False)
# PostgreSQL: how long a writer waits for another's lock on the same resource before it
# gives up with ``Busy`` (a 503), instead of piling up connections behind a stuck one.
LOCK_TIMEOUT_MS = 5000


@contextlib.asynccontextmanager
async def write_transaction(lock: str | None = None) -> AsyncIterator[Any]:
    """A transaction that holds a real write lock from its first statement.

    SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock up front, so a
    read-then-write can never be overtaken (DEFERRED would fail with "database is
    locked" at the first write). PostgreSQL: when ``lock`` names a resource (for
    example an event id), a transaction-scoped advisory lock serialises every writer
    of that resource (waiting at most ``LOCK_TIMEOUT_MS``, then ``Busy``); rows are
    otherwise protected by ordinary row locks.
    """
    writing = _WRITING.set(True)
    try:
        async with _write_transaction(lock) as tx:
            yield tx
    finally:
        _WRITING.reset(writing)


@contextlib.asynccontextmanager
async def _write_transaction(lock: str | None = None) -> AsyncIterator[Any]:
    db = engine()
    if isinstance(db, SQLiteEngine):
        if db.current_transaction.get() is not None:  # inside one already: join it
            async with db.transaction(transaction_type=TransactionType.immediate) as tx:
                yield tx
            return
        # This process's writers queue on one lock and share one connection (see
        # _SqliteWriter); other processes wait in SQLite's busy handler.
        async with (
            _sqlite_writer().lock,
            _WriterTransaction(db, transaction_type=TransactionType.immediate) as tx,
        ):
            yield tx
        return
    async with db.transaction() as tx:
        if lock is not None:
            key = int.from_bytes(hashlib.blake2b(lock.encode(), digest_size=8).digest(), "big")
            key -= 1 << 63  # advisory locks take a signed bigint
            await tx.connection.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
            try:
                await tx.connection.execute("SELECT pg_advisory_xact_lock($1)", key)
            except LockNotAvailableError as exc:
                raise Busy(N_("Too many changes at once here: please try again.")) from exc
        yield tx


class WriteOutsideTransaction(RuntimeError):
    """A write from the app's code that does not run in ``write_transaction()``."""


_WRITE_SQL = re.compile(r"\s*(?:INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
_SERVER_DIR = str(Path(__file__).resolve().parent) + os.sep


_guarding = False


def guard_writes() -> None:
    """For the tests: from now on, a write that the app's own code makes outside
    ``write_transaction()`` raises ``WriteOutsideTransaction`` (tests may still write
    directly to set a scene).

    Such a write skips SQLite's single-writer queue (it can fail with "database is
    locked") and PostgreSQL's per-resource lock (it can race a decision made under it)."""
    global _guarding
    _guarding = True


def _check_write(querystring: Any) -> None:
    if _guarding and not _WRITING.get() and _WRITE_SQL.match(str(querystring)):
        caller = _app_caller()
        if caller:
            raise WriteOutsideTransaction(f"{caller} writes outside write_transaction()")


class _SQLite(SQLiteEngine):
    async def run_querystring(self, querystring: Any, in_pool: bool = False) -> Any:
        _check_write(querystring)
        return await super().run_querystring(querystring, in_pool=in_pool)


class _Postgres(PostgresEngine):
    async def run_querystring(self, querystring: Any, in_pool: bool = True) -> Any:
        _check_write(querystring)
        return await super().run_querystring(querystring, in_pool=in_pool)


def _app_caller() -> str:
    """The innermost frame of the app's own code (not this module), or "" when a test or
    a library is the writer."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(_SERVER_DIR) and name != __file__:
            return f"{name.removeprefix(_SERVER_DIR)}:{frame.f_lineno}"
        if os.sep + "tests" + os.sep in name:
            return ""
        frame = frame.f_back  # type: ignore[assignment]
    return ""


async def ping() -> bool:
    """True when the database answers a trivial query (used by /healthz)."""
    try:
        await asyncio.wait_for(all_tables()[0].raw("SELECT 1").run(), timeout=2)
    except Exception as exc:  # any failure means "not healthy"; say why in the log
        log.warning("database ping failed: %s", exc.__class__.__name__)
        return False
    return True


# What a database that does not answer raises, as opposed to a bug in a query: PostgreSQL
# refused, unreachable, restarting or full; a SQLite file that cannot be opened or read.
_OUTAGES = (
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    PostgresConnectionError,
    CannotConnectNowError,
    TooManyConnectionsError,
)
_SQLITE_OUTAGES = ("unable to open database file", "disk I/O error")


def is_outage(exc: BaseException) -> bool:
    """Did ``exc`` come from the database being unavailable (so the request may be retried:
    a 503) rather than from our code (a 500)? Drivers wrap, so the causes count too."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, _OUTAGES):
            return True
        if isinstance(cause, sqlite3.OperationalError) and str(cause).startswith(_SQLITE_OUTAGES):
            return True
        cause = cause.__cause__
    return False
