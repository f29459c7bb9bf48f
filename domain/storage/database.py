"""Engine creation and migrations, the same code for SQLite (embedded) and PostgreSQL.

On SQLite the engine runs on a one-trip aiosqlite adapter (``_sqlite_one_trip.py``): the same
SQL, results and errors as SQLAlchemy's stock adapter, in a fraction of the trips to
aiosqlite's thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.dml import UpdateBase

from domain.storage._sqlite_one_trip import (
    can_run_on_worker,
    defer,
    one_trip_dbapi,
    run_on_worker,
    savepoint,
)

__all__ = ["Database", "begin_writing", "configure_sqlite_engine", "sqlite_url"]

T = TypeVar("T")

MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url(path: Path) -> str:
    """The URL of the embedded database file at ``path``."""
    return f"sqlite+aiosqlite:///{path}"


_SQLITE_BEGIN = "careline_sqlite_begin"
"""Execution option: how a SQLite transaction begins (``DEFERRED`` unless set)."""


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module's own transaction handling stays out of the way: it would begin a
    # transaction only before an INSERT/UPDATE/DELETE, so a SAVEPOINT as the first statement
    # would begin one of its own, and releasing it would commit. ``_on_sqlite_begin`` says
    # BEGIN instead, when SQLAlchemy begins (SQLAlchemy's documented recipe for SQLite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while one writer commits; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # 64 MiB of page cache (SQLite's default is 2 MiB): the outbox's indexes take millions of
    # rows when reminders are planned in bulk, and index pages that stay cached are not reread.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def _on_sqlite_begin(conn: Connection) -> None:
    mode = conn.get_execution_options().get(_SQLITE_BEGIN, "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def configure_sqlite_engine(engine: AsyncEngine) -> None:
    """Give a SQLite engine Careline's connection settings and transaction control: WAL,
    foreign keys, a busy timeout, and transactions that SQLAlchemy begins with an explicit
    ``BEGIN`` (so that savepoints nest inside them; see :func:`begin_writing`)."""
    event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
    event.listen(engine.sync_engine, "begin", _on_sqlite_begin)


async def begin_writing(conn: AsyncConnection) -> None:
    """Begin ``conn``'s transactions as a writer's, this one and the ones after it.

    On SQLite that is ``BEGIN IMMEDIATE``: the write lock is taken with the first statement,
    so a transaction that reads before it writes cannot fail to upgrade its lock when another
    writer committed in between (that failure does not wait for the busy timeout). Elsewhere
    it begins the transaction as usual.
    """
    if conn.dialect.name == "sqlite":
        await conn.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})
    if not conn.in_transaction():
        await conn.begin()


class Database:
    """The application's database: an async engine plus migrations.

    Args:
        url: a SQLAlchemy URL, ``sqlite+aiosqlite:///path`` or ``postgresql+asyncpg://...``.
    """

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        parsed = make_url(url)
        self.url = url
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            if parsed.get_driver_name() == "aiosqlite" and (dbapi := one_trip_dbapi()):
                kwargs["module"] = dbapi
        else:
            kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self._writer = self.engine
        if self.dialect == "sqlite":
            configure_sqlite_engine(self.engine)
            self._writer = self.engine.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One database transaction: committed when the block ends, rolled back on error.

        On SQLite it begins with ``BEGIN IMMEDIATE`` (see :func:`begin_writing`).
        """
        async with self._writer.begin() as conn:
            yield conn

    def savepoint(self, conn: AsyncConnection) -> AbstractAsyncContextManager[None]:
        """A savepoint in ``conn``'s transaction, for a block whose writes may have to be undone
        alone: released when the block ends, rolled back to when it raises (the exception
        propagates, everything written before the block stays).

        It does what ``conn.begin_nested()`` does, at a fraction of the cost on SQLite: the
        SAVEPOINT travels with the block's first statement, and a block that executes nothing
        costs neither a trip to the database nor SQLAlchemy's bookkeeping. On PostgreSQL (or
        with SQLAlchemy's stock SQLite adapter) it is ``conn.begin_nested()``.
        """
        return savepoint(conn)

    async def defer(
        self, conn: AsyncConnection, statement: UpdateBase, rows: Sequence[Mapping[str, Any]]
    ) -> None:
        """Execute ``statement`` once for each of ``rows``, when its result is not needed.

        On SQLite it waits and travels with ``conn``'s next statement or its COMMIT, in the
        same trip to the database (a rollback to a savepoint taken before drops it; an error
        it raises comes with that next statement). On PostgreSQL it is executed at once.

        Args:
            conn: the connection, in a transaction.
            statement: an INSERT, UPDATE or DELETE with bound parameters (no RETURNING).
            rows: the values of its parameters by name, all with the same names.
        """
        await defer(conn, statement, rows)

    @staticmethod
    def can_run_on_worker(conn: AsyncConnection) -> bool:
        """True when :meth:`run_on_worker` serves on ``conn`` (SQLite through aiosqlite)."""
        return can_run_on_worker(conn)

    async def run_on_worker(
        self, conn: AsyncConnection, fn: Callable[..., T], *args: Any
    ) -> T:
        """``fn(sqlite3_connection, *args)`` on aiosqlite's thread, in ``conn``'s transaction,
        in one trip with what waits to be sent (BEGIN, savepoints, deferred writes go first).

        Several statements and the Python between them for one wake-up of the thread. ``fn``
        runs on that thread (plain Python and the sqlite3 connection, no transaction control
        of its own); a database error it raises comes as SQLAlchemy's (``IntegrityError``...).
        SQLite only: see :meth:`can_run_on_worker`.
        """
        return await run_on_worker(conn, fn, *args)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads only."""
        async with self.engine.connect() as conn:
            yield conn

    async def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            async with self.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except Exception:
            return False
        return True

    async def upgrade(self, revision: str = "head") -> None:
        """Apply the Alembic migrations up to ``revision``."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_run_alembic, "upgrade", revision)

    async def downgrade(self, revision: str) -> None:
        async with self.engine.begin() as conn:
            await conn.run_sync(_run_alembic, "downgrade", revision)

    async def current_revision(self) -> str | None:
        async with self.engine.connect() as conn:
            return await conn.run_sync(_current_revision)

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _run_alembic(connection: Connection, action: str, revision: str) -> None:
    config = alembic_config(connection)
    if action == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)


def _current_revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def autogenerate_revision(db: Database, message: str, rev_id: str | None = None) -> None:
    """Write a new migration for the difference between the database and ``tables.metadata``
    (a developer command: ``careline db revision -m MESSAGE``)."""

    def run(connection: Connection) -> None:
        command.revision(
            alembic_config(connection), message=message, autogenerate=True, rev_id=rev_id
        )

    async with db.engine.begin() as conn:
        await conn.run_sync(run)
