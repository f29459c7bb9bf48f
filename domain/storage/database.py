"""Engine creation and migrations, the same code for SQLite (embedded) and PostgreSQL.

On SQLite the engine runs on a one-trip aiosqlite adapter (``_sqlite_one_trip.py``): the same
SQL, results and errors as SQLAlchemy's stock adapter, in a fraction of the trips to
aiosqlite's thread.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.sql.dml import UpdateBase

from domain.storage._sqlite_one_trip import defer, one_trip_dbapi, savepoint

__all__ = ["Database", "sqlite_url"]

MIGRATIONS = Path(__file__).parent / "migrations"


def sqlite_url(path: Path) -> str:
    """The URL of the embedded database file at ``path``."""
    return f"sqlite+aiosqlite:///{path}"


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed while one writer commits; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


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
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _on_sqlite_connect)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One database transaction: committed when the block ends, rolled back on error."""
        async with self.engine.begin() as conn:
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
