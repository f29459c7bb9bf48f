"""A one-trip aiosqlite adapter for SQLAlchemy (used by ``Database`` for SQLite).

On SQLite every statement runs on aiosqlite's worker thread, and each trip there and back
costs a wake-up of that thread and a turn of the event loop. SQLAlchemy's stock adapter makes
three or four trips per statement (open a cursor, execute, fetch, close) plus one for each
BEGIN, COMMIT, ROLLBACK, SAVEPOINT and RELEASE. This adapter sends the same SQL in the same
order, with the same results and errors, in fewer trips:

- a statement is one trip: the whole cursor lifetime runs on the thread;
- ``BEGIN [DEFERRED|IMMEDIATE|EXCLUSIVE]``, ``SAVEPOINT`` and ``RELEASE SAVEPOINT`` wait and
  travel with the next statement; a transaction or savepoint that ends with nothing done
  inside is not sent at all (an error such a statement would raise comes with the statement
  it travels with);
- ``COMMIT`` and ``ROLLBACK`` are not sent when SQLite has no transaction open (the pool rolls
  back every connection it takes back; the sqlite3 module would do nothing then anyway);
- a statement whose result the caller does not need can be handed to :func:`defer`: it waits
  and travels with the next statement or the COMMIT;
- several statements, and the Python between them, can run in one trip with
  :func:`run_on_worker`: a function of the sqlite3 connection, run on the thread after what
  waits.

It relies on two private names of aiosqlite (``Connection._execute``, which runs a function on
the connection's thread, and ``Connection._conn``, the sqlite3 connection there), as
SQLAlchemy's own adapter does; without them SQLAlchemy's stock adapter is used.
tests/gateway/inbound/test_sqlite_round_trips.py replays random sequences of transaction steps
on both adapters and compares the outcomes.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.util import immutabledict
from sqlalchemy.util.concurrency import await_

__all__ = ["can_run_on_worker", "defer", "one_trip_dbapi", "run_on_worker", "savepoint"]

_SAVEPOINT_SQL = re.compile(
    r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\s+(\S+)\s*", re.IGNORECASE
)
_BEGIN_SQL = re.compile(r"\s*BEGIN(\s+(DEFERRED|IMMEDIATE|EXCLUSIVE))?(\s+TRANSACTION)?\s*",
                        re.IGNORECASE)
T = TypeVar("T")
_Outcome = tuple[Any, int, int | None, list[Any]]
_Waiting = str | tuple[str, list[tuple[Any, ...]]]
"""A statement not sent yet: BEGIN or savepoint SQL, or deferred SQL with its rows of values."""


def _send(sqlite: sqlite3.Connection, waiting: list[_Waiting]) -> None:
    for item in waiting:
        if isinstance(item, str):
            sqlite.execute(item).close()
        elif len(item[1]) == 1:
            sqlite.execute(item[0], item[1][0]).close()
        else:
            sqlite.executemany(item[0], item[1]).close()


def _run_on_worker(
    adapted: _OneTripConnection, prelude: list[_Waiting], operation: str, parameters: Any,
    many: bool,
) -> _Outcome:
    """On aiosqlite's thread: the waiting statements, then one cursor's whole lifetime
    (execute, fetch, close)."""
    try:
        sqlite = adapted._connection._conn
        _send(sqlite, prelude)
        cursor = sqlite.cursor()
        try:
            if many:
                cursor.executemany(operation, parameters)
            elif parameters is None:
                cursor.execute(operation)
            else:
                cursor.execute(operation, parameters)
            description = cursor.description
            rows = cursor.fetchall() if description else []
            return description, cursor.rowcount, cursor.lastrowid, rows
        finally:
            cursor.close()
    finally:
        adapted._in_flight -= 1


def _call_on_worker(
    adapted: _OneTripConnection, prelude: list[_Waiting], fn: Callable[..., T],
    args: tuple[Any, ...],
) -> T:
    """On aiosqlite's thread: the waiting statements, then ``fn(sqlite3 connection, *args)``."""
    try:
        sqlite = adapted._connection._conn
        _send(sqlite, prelude)
        return fn(sqlite, *args)
    finally:
        adapted._in_flight -= 1


def _send_and_end(adapted: _OneTripConnection, waiting: list[_Waiting], commit: bool) -> None:
    """On aiosqlite's thread: the waiting statements, then COMMIT or ROLLBACK."""
    try:
        sqlite = adapted._connection._conn
        _send(sqlite, waiting)
        if commit:
            sqlite.commit()
        else:
            sqlite.rollback()
    finally:
        adapted._in_flight -= 1


async def _nothing() -> None:
    """An await that completes at once (no turn of the event loop)."""


class _OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A client-side cursor that makes one trip to aiosqlite's thread per statement.

    Description, row count, last row id and rows come back together; fetching reads the
    buffered rows, as with the stock adapter. Server-side cursors keep the stock class.
    """

    __slots__ = ("_description", "_lastrowid", "_rowcount")
    _awaitable_cursor_close = False
    _adapt_connection: _OneTripConnection

    def __init__(self, adapt_connection: _OneTripConnection) -> None:
        # No aiosqlite cursor is opened up front: that would be a trip of its own.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = immutabledict()
        self._rows = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> Any:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return 1

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        pass

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        return None

    def nextset(self) -> None:
        return None

    def setinputsizes(self, *inputsizes: Any) -> None:
        return None

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        if not parameters and self._adapt_connection._defer(operation):
            self._description, self._rowcount, self._lastrowid = None, -1, None
            self._rows.clear()
            # SQLAlchemy's asyncio layer insists that executing a statement awaits something.
            await_(_nothing())
            return None
        try:
            await_(self._run(operation, parameters, many=False))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        try:
            await_(self._run(operation, seq_of_parameters, many=True))
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    async def _run(self, operation: Any, parameters: Any, *, many: bool) -> None:
        outcome: _Outcome = await self._adapt_connection._trip(
            _run_on_worker, operation, parameters, many
        )
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = deque(rows)


class _OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """aiosqlite's connection with one-trip cursors, and BEGIN, savepoint and deferred
    statements that wait for the next statement or the COMMIT (see the module's docstring)."""

    __slots__ = ("_in_flight", "_waiting")
    _cursor_cls = _OneTripCursor  # type: ignore[assignment]  # a subclass of the stock one

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self._in_flight = 0  # statements queued to the thread and not finished there
        self._waiting: list[_Waiting] = []  # statements not sent yet, in order

    def _defer(self, operation: Any) -> bool:
        """Hold back a BEGIN or savepoint statement; True when it needs no trip now."""
        if not isinstance(operation, str):
            return False
        if _BEGIN_SQL.fullmatch(operation):
            self._waiting.append(operation)
            return True
        match = _SAVEPOINT_SQL.fullmatch(operation)
        if match is None:
            return False
        verb, name = match.group(1).upper(), match.group(2)
        opened = f"SAVEPOINT {name}"
        if verb == "SAVEPOINT":
            self._waiting.append(opened)
            return True
        if opened not in self._waiting:  # sent already: RELEASE may wait, ROLLBACK TO may not
            if verb == "RELEASE SAVEPOINT":
                self._waiting.append(f"RELEASE SAVEPOINT {name}")
                return True
            return False
        if verb == "RELEASE SAVEPOINT" and self._holds_writes(after=opened):
            self._waiting.append(f"RELEASE SAVEPOINT {name}")  # deferred writes inside it
            return True
        # Opened and never sent: nothing done inside it was sent either, so it and everything
        # after it (empty savepoints nested in it; writes that rolling back to it undoes) can
        # be forgotten.
        return self._forget_savepoint(name)

    def _holds_writes(self, *, after: str | None = None) -> bool:
        start = self._waiting.index(after) if after is not None else 0
        return any(not isinstance(item, str) for item in self._waiting[start:])

    def _open_savepoint(self, name: str) -> None:
        self._waiting.append(f"SAVEPOINT {name}")

    def _forget_savepoint(self, name: str) -> bool:
        """Drop savepoint ``name``, and all that waits after it, if it was never sent: nothing
        inside it was sent either, and what waits is what rolling back to it would undo."""
        opened = f"SAVEPOINT {name}"
        if opened not in self._waiting:
            return False
        del self._waiting[self._waiting.index(opened):]
        return True

    def _idle(self) -> bool:
        """Nothing to commit or roll back: no statement pending on the thread (a cancelled
        caller's statement may still run there) and SQLite outside a transaction."""
        connection = self._connection
        return (
            self._in_flight == 0
            and connection._connection is not None
            and not connection.in_transaction
        )

    def rollback(self) -> None:
        # What waits is undone by the ROLLBACK anyway: every transaction begins with an
        # explicit BEGIN (``database.configure_sqlite_engine``), so a savepoint is always
        # nested in it and releasing one never commits.
        self._waiting = []
        if not self._idle():
            super().rollback()

    def commit(self) -> None:
        # Waiting writes go out with the COMMIT, in the same trip. Otherwise a BEGIN not sent
        # began nothing, and the COMMIT releases every savepoint.
        waiting, self._waiting = self._waiting, []
        if any(not isinstance(w, str) for w in waiting):
            self._end(waiting, commit=True)
        elif not self._idle():
            super().commit()

    async def _call(self, fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        """Run ``fn`` on the thread after what waits, in one trip (see :func:`run_on_worker`)."""
        result: T = await self._trip(_call_on_worker, fn, args)
        return result

    async def _trip(self, on_worker: Callable[..., Any], *args: Any) -> Any:
        """``on_worker(self, prelude, *args)`` on aiosqlite's thread, the prelude being what
        waits (taken from the queue here); ``on_worker`` counts itself done there."""
        connection = self._connection
        async with self._execute_mutex:
            if not getattr(connection, "_running", True) or connection._connection is None:
                raise ValueError("Connection closed")  # as aiosqlite says it
            prelude, self._waiting = self._waiting, []
            # Queued without a pause from here on, so the thread runs it (and counts it done)
            # even if this caller is cancelled while it waits.
            self._in_flight += 1
            return await connection._execute(on_worker, self, prelude, *args)

    def _end(self, waiting: list[_Waiting], *, commit: bool) -> None:
        try:
            await_(self._send_and_end(waiting, commit))
        except Exception as error:
            self._handle_exception(error)

    async def _send_and_end(self, waiting: list[_Waiting], commit: bool) -> None:
        self._in_flight += 1
        await self._connection._execute(_send_and_end, self, waiting, commit)


class _OneTripDbapi(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite as SQLAlchemy sees it, with :class:`_OneTripConnection` connections."""

    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        stock = super().connect(*arg, **kw)
        return _OneTripConnection(self, stock._connection)


def one_trip_dbapi() -> _OneTripDbapi | None:
    """The one-trip adapter, or None when aiosqlite lacks what it relies on (then SQLAlchemy's
    stock adapter serves: more trips, same behaviour)."""
    import aiosqlite

    needed = ("_execute", "_conn", "in_transaction")
    if not all(hasattr(aiosqlite.Connection, name) for name in needed):
        return None
    return _OneTripDbapi(aiosqlite, sqlite3)


_savepoint_names = itertools.count(1)
_COMPILED: dict[tuple[object, str, tuple[str, ...]], tuple[str, tuple[str, ...], list[Any]]] = {}


async def defer(
    conn: AsyncConnection, statement: UpdateBase, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Execute ``statement`` once for each of ``rows``, when its result is not needed.

    On SQLite (the one-trip adapter) it waits and travels with ``conn``'s next statement or
    its COMMIT, in the same trip: a ROLLBACK (to a savepoint taken before) drops it, and an
    error it raises comes with that next statement. Elsewhere it is executed at once.

    Args:
        conn: the connection, in a transaction or about to begin one.
        statement: an INSERT, UPDATE or DELETE with bound parameters (no RETURNING).
        rows: the values of its parameters, by name, all with the same names.
    """
    if not rows:
        return
    adapted = _one_trip_connection(conn)
    if adapted is None:
        await conn.execute(statement, list(rows) if len(rows) > 1 else rows[0])
        return
    sql, names, processors = _compiled(statement, conn.dialect, tuple(rows[0]))
    values = [
        tuple(value if process is None else process(value)
              for value, process in zip((row[n] for n in names), processors, strict=True))
        for row in rows
    ]
    if not conn.in_transaction():
        await conn.begin()  # so that SQLAlchemy commits or rolls back what waits
    adapted._waiting.append((sql, values))


def can_run_on_worker(conn: AsyncConnection) -> bool:
    """True when ``conn`` runs on the one-trip adapter, so :func:`run_on_worker` serves (SQLite
    through aiosqlite; not PostgreSQL, nor SQLAlchemy's stock adapter)."""
    return _one_trip_connection(conn) is not None


async def run_on_worker(conn: AsyncConnection, fn: Callable[..., T], *args: Any) -> T:
    """``fn(sqlite3_connection, *args)`` on aiosqlite's thread, in ``conn``'s transaction, in one
    trip with everything that waits (BEGIN, savepoints, deferred writes, sent first, in order).

    For a step of several statements with Python between them (read, decide, write): they
    cost one wake-up of the thread instead of one each. ``fn`` runs on that thread: it may use
    the sqlite3 connection it is given (not its transaction control: no BEGIN, COMMIT or
    savepoint of its own) and plain Python, nothing of the event loop's or of ``conn``'s; it
    converts values itself, as SQLAlchemy would (the column types' bind and result processors).
    What it writes is part of the transaction: committed with it, or undone by a rollback (of
    the transaction, or to a savepoint taken before).

    Returns:
        what ``fn`` returns.

    Raises:
        sqlalchemy.exc.DBAPIError: a database error, as SQLAlchemy raises it for a statement
            (``IntegrityError``, ``OperationalError``...), wrapping the sqlite3 error.
        TypeError: ``conn`` does not run on the one-trip adapter (see :func:`can_run_on_worker`).
        Exception: whatever else ``fn`` raises, as it is.
    """
    adapted = _one_trip_connection(conn)
    if adapted is None:
        raise TypeError("run_on_worker needs a SQLite connection on the one-trip adapter")
    if not conn.in_transaction():
        await conn.begin()  # so that SQLAlchemy commits or rolls back what fn writes
    try:
        return await adapted._call(fn, args)
    except sqlite3.Error as error:
        sync = conn.sync_connection
        raise DBAPIError.instance(
            None, None, error, sqlite3.Error, dialect=conn.dialect,
            hide_parameters=sync is not None and sync.engine.hide_parameters,
        ) from error


def _compiled(
    statement: UpdateBase, dialect: Dialect, keys: tuple[str, ...]
) -> tuple[str, tuple[str, ...], list[Any]]:
    """SQL, parameter names in order and their types' bind processors, built once."""
    key = (statement, dialect.name, keys)
    found = _COMPILED.get(key)
    if found is None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        assert isinstance(compiled, SQLCompiler)
        names = tuple(compiled.positiontup or ())
        # The dialect's own form of each type: SQLite's DATETIME writes the text SQLAlchemy
        # always writes (with microseconds), not what sqlite3's default adapter would.
        processors = [compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
                      for name in names]
        found = _COMPILED[key] = (compiled.string, names, processors)
    return found


def _root_transaction(conn: AsyncConnection) -> object | None:
    """The transaction ``conn`` is in, if it is still going on."""
    sync = conn.sync_connection
    root = sync.get_transaction() if sync is not None else None
    return root if root is not None and root.is_active else None


def _one_trip_connection(conn: AsyncConnection) -> _OneTripConnection | None:
    """The one-trip adapter under ``conn``, if that is what it runs on."""
    sync = conn.sync_connection
    if sync is None:
        return None
    try:
        dbapi = sync.connection.dbapi_connection
    except Exception:  # closed, invalidated: let the stock path say what is wrong
        return None
    return dbapi if isinstance(dbapi, _OneTripConnection) else None


@asynccontextmanager
async def savepoint(conn: AsyncConnection) -> AsyncIterator[None]:
    """A savepoint in ``conn``'s transaction, for a block whose writes may have to be undone
    alone: released when the block ends, rolled back to when it raises (the exception
    propagates, everything written before the block stays).

    It does what ``conn.begin_nested()`` does, at a fraction of the cost on SQLite: the
    SAVEPOINT travels with the block's first statement, and a block that executes nothing
    costs neither a trip to the database nor SQLAlchemy's bookkeeping. On PostgreSQL (or
    with SQLAlchemy's stock SQLite adapter) it is ``conn.begin_nested()``.
    """
    adapted = _one_trip_connection(conn)
    if adapted is None:
        async with conn.begin_nested():
            yield
        return
    if not conn.in_transaction():
        await conn.begin()  # so that SQLAlchemy ends what the savepoint starts
    outer = _root_transaction(conn)
    name = f"careline_sp_{next(_savepoint_names)}"
    adapted._open_savepoint(name)
    try:
        yield
    except GeneratorExit:  # abandoned, not exited: no I/O here
        raise
    except BaseException:
        ended = _root_transaction(conn) is not outer  # committed or rolled back inside
        if not ended and not adapted._forget_savepoint(name):
            await conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {name}")
            await conn.exec_driver_sql(f"RELEASE SAVEPOINT {name}")
        raise
    if _root_transaction(conn) is outer:
        adapted._defer(f"RELEASE SAVEPOINT {name}")
