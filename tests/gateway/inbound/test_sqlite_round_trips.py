"""The SQLite adapter under ``Database`` (domain/storage/database.py) that the inbound pipeline's
speed rests on: the same results as SQLAlchemy's stock aiosqlite adapter, in fewer trips to
aiosqlite's thread. (It lives here because the pipeline's benchmark is what it is for.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from domain.storage._sqlite_one_trip import run_on_worker
from domain.storage.database import Database, begin_writing, configure_sqlite_engine
from domain.storage.types import UTCDateTime
from tests.gateway.inbound.conftest import Trips

ITEMS = sa.Table(
    "items", sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("value", sa.Integer, nullable=False, unique=True),
)


async def fresh(path: Path) -> Database:
    db = Database(f"sqlite+aiosqlite:///{path}")
    async with db.transaction() as conn:
        await conn.run_sync(lambda c: ITEMS.metadata.create_all(c))
    return db


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await fresh(tmp_path / "one-trip.db")
    yield database
    await database.dispose()


async def values(conn: AsyncConnection) -> list[int]:
    return list((await conn.execute(sa.select(ITEMS.c.value).order_by(ITEMS.c.value))).scalars())


async def test_results_are_those_of_the_stock_adapter(db: Database, tmp_path: Path) -> None:
    async def script(conn: AsyncConnection) -> list[object]:
        seen: list[object] = []
        inserted = await conn.execute(ITEMS.insert().values(value=1))
        seen.append(inserted.inserted_primary_key)
        many = await conn.execute(ITEMS.insert(), [{"value": 2}, {"value": 3}])
        seen.append(many.rowcount)
        returned = await conn.execute(ITEMS.insert().returning(ITEMS.c.id), [{"value": 4}])
        seen.append(sorted(returned.scalars()))
        updated = await conn.execute(ITEMS.update().where(ITEMS.c.value > 2).values(
            value=ITEMS.c.value + 10))
        seen.append(updated.rowcount)
        seen.append((await conn.execute(sa.select(ITEMS))).mappings().all())
        seen.append(list((await conn.exec_driver_sql("SELECT 1 AS one")).keys()))
        try:
            await conn.execute(ITEMS.insert().values(value=1))
        except sa.exc.IntegrityError as exc:
            seen.append(type(exc.orig).__name__)
        seen.append(await values(conn))  # the failed statement left the transaction usable
        return seen

    stock = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'stock.db'}")
    try:
        async with stock.begin() as conn:
            await conn.run_sync(lambda c: ITEMS.metadata.create_all(c))
        async with stock.begin() as conn:
            expected = await script(conn)
    finally:
        await stock.dispose()
    async with db.transaction() as conn:
        assert await script(conn) == expected
    assert "IntegrityError" in expected


async def test_a_statement_is_one_trip_and_idle_commits_none(db: Database, trips: Trips) -> None:
    async with db.read() as conn:
        await conn.execute(sa.select(ITEMS))  # connecting may trip; count from here
        trips.count = 0
        await conn.execute(sa.select(ITEMS))
        assert trips.count == 1
    # Returning a reader to the pool ends its read transaction (a consistent snapshot for
    # all its statements): the ROLLBACK is the one trip more.
    assert trips.count == 2
    async with db.transaction() as conn:
        trips.count = 0
        await conn.execute(ITEMS.insert().values(value=7))
    assert trips.count == 2  # the insert, the COMMIT


async def test_empty_savepoints_cost_no_trip(db: Database, trips: Trips) -> None:
    async with db.transaction() as conn:
        await conn.execute(ITEMS.insert().values(value=1))
        trips.count = 0
        async with conn.begin_nested():
            pass
        async with db.savepoint(conn):
            async with db.savepoint(conn):
                pass
        assert trips.count == 0
        async with db.savepoint(conn):
            await conn.execute(ITEMS.insert().values(value=2))  # SAVEPOINT rides along
        assert trips.count == 1
    assert trips.count == 2  # the COMMIT; the waiting RELEASE is dropped (COMMIT releases all)
    async with db.read() as conn:
        assert await values(conn) == [1, 2]


async def test_a_deferred_begin_immediate_takes_the_write_lock_with_its_first_statement(
    db: Database, tmp_path: Path
) -> None:
    async with db.engine.connect() as writer:
        await begin_writing(writer)
        await writer.execute(sa.select(ITEMS))  # only a read, but the lock is taken
        other = Database(f"sqlite+aiosqlite:///{tmp_path / 'one-trip.db'}")
        try:
            async with other.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA busy_timeout=0")
                with pytest.raises(sa.exc.OperationalError, match="locked"):
                    await conn.execute(ITEMS.insert().values(value=9))
        finally:
            await other.dispose()
        await writer.commit()
    async with db.engine.connect() as idle:
        await begin_writing(idle)
        await idle.commit()  # nothing was done: nothing was sent, nothing fails


async def test_deferred_writes_travel_with_the_next_statement(
    db: Database, trips: Trips
) -> None:
    async with db.transaction() as conn:
        await conn.execute(ITEMS.insert().values(value=1))
        trips.count = 0
        await db.defer(conn, ITEMS.update().where(ITEMS.c.value == sa.bindparam("old"))
                       .values(value=sa.bindparam("new")), [{"old": 1, "new": 10}])
        await db.defer(conn, ITEMS.insert(), [{"value": 2}, {"value": 3}])
        assert trips.count == 0
        assert await values(conn) == [2, 3, 10]  # they went first, in the same trip
        assert trips.count == 1
        await db.defer(conn, ITEMS.insert(), [{"value": 4}])
        with pytest.raises(RuntimeError):
            async with db.savepoint(conn):
                await db.defer(conn, ITEMS.insert(), [{"value": 5}])
                raise RuntimeError("undo the block")
        await db.defer(conn, ITEMS.insert(), [{"value": 6}])
    assert trips.count == 2  # the COMMIT carried 4 and 6; 5 never left
    async with db.read() as conn:
        assert await values(conn) == [2, 3, 4, 6, 10]


async def test_database_savepoint_undoes_only_its_block(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(ITEMS.insert().values(value=1))
        with pytest.raises(RuntimeError):
            async with db.savepoint(conn):
                await conn.execute(ITEMS.insert().values(value=2))
                raise RuntimeError("the block failed")
        with pytest.raises(RuntimeError):
            async with db.savepoint(conn):
                raise RuntimeError("failed before writing")
        async with db.savepoint(conn):
            await conn.execute(ITEMS.insert().values(value=3))
            async with conn.begin_nested() as inner:
                await conn.execute(ITEMS.insert().values(value=4))
                await inner.rollback()
        assert await values(conn) == [1, 3]
    async with db.read() as conn:
        assert await values(conn) == [1, 3]


async def test_a_savepoint_that_opens_a_transaction_is_undone_with_it(db: Database) -> None:
    # SQLite lets a SAVEPOINT begin a transaction, and releasing that savepoint commits it: the
    # transaction must have begun before, or a rollback after the block would keep its writes.
    for use_helper in (True, False):
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                if use_helper:
                    async with db.savepoint(conn):
                        await conn.execute(ITEMS.insert().values(value=1))
                else:
                    async with conn.begin_nested():
                        await conn.execute(ITEMS.insert().values(value=2))
                await conn.execute(ITEMS.insert().values(value=3))
                raise RuntimeError("the transaction failed after its savepoint")
    async with db.read() as conn:
        assert await values(conn) == []


async def test_a_stock_engine_configured_like_ours_nests_savepoints_too(tmp_path: Path) -> None:
    engine = await stock_engine(tmp_path / "stock.db")
    try:
        with pytest.raises(RuntimeError):
            async with engine.begin() as conn:
                async with conn.begin_nested():
                    await conn.execute(ITEMS.insert().values(value=1))
                raise RuntimeError("undo everything")
        async with engine.connect() as conn:
            assert await values(conn) == []
    finally:
        await engine.dispose()


async def test_transactions_take_the_write_lock_with_their_first_statement(
    db: Database, tmp_path: Path
) -> None:
    # Database.transaction() begins IMMEDIATE: a transaction that reads first cannot lose
    # the race to upgrade its lock (that failure would not wait for the busy timeout).
    other = Database(f"sqlite+aiosqlite:///{tmp_path / 'one-trip.db'}")
    try:
        async with db.transaction() as conn:
            await conn.execute(sa.select(ITEMS))
            async with other.engine.connect() as rival:
                await rival.exec_driver_sql("PRAGMA busy_timeout=0")
                with pytest.raises(sa.exc.OperationalError, match="locked"):
                    await rival.execute(ITEMS.insert().values(value=9))
            await conn.execute(ITEMS.insert().values(value=1))
    finally:
        await other.dispose()
    async with db.read() as conn:
        assert await values(conn) == [1]


async def test_deferred_writes_store_values_as_executed_writes_do(db: Database) -> None:
    stamps = sa.Table("stamps", sa.MetaData(), sa.Column("at", UTCDateTime, nullable=False),
                      sa.Column("how", sa.String(8), nullable=False))
    whole_second = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    async with db.transaction() as conn:
        await conn.run_sync(lambda c: stamps.create(c))
        await conn.execute(stamps.insert(), {"at": whole_second, "how": "execute"})
        await db.defer(conn, stamps.insert(), [{"at": whole_second, "how": "defer"}])
    async with db.read() as conn:
        stored = (await conn.exec_driver_sql("SELECT how, at FROM stamps ORDER BY how")).all()
    assert [tuple(r) for r in stored] == [("defer", "2026-01-05 09:00:00.000000"),
                                          ("execute", "2026-01-05 09:00:00.000000")]


# -- the same operations, the same outcome, on both adapters ------------------------------

OPS = st.lists(st.sampled_from(["insert", "insert", "later", "duplicate", "read", "savepoint",
                                "block", "release", "undo", "commit", "rollback", "begin"]),
               max_size=25)


async def replay(conn: AsyncConnection, db: Database | None, ops: list[str]) -> list[object]:
    """Run ``ops`` on ``conn``; ``db`` given: "block" savepoints use ``db.savepoint``."""
    await conn.execute(ITEMS.delete())
    await conn.commit()
    seen: list[object] = []
    open_: list[Any] = []
    counter = 0

    async def end_blocks() -> None:
        """Savepoints end with their transaction; exiting a block then does nothing."""
        while open_:
            top = open_.pop()
            if hasattr(top, "__aexit__"):
                await top.__aexit__(None, None, None)

    for op in ops:
        if op == "insert":
            counter += 1
            await conn.execute(ITEMS.insert().values(value=counter))
        elif op == "later":  # a write whose result is not wanted: Database.defer
            counter += 1
            if db is None:
                await conn.execute(ITEMS.insert(), {"value": counter})
            else:
                await db.defer(conn, ITEMS.insert(), [{"value": counter}])
        elif op == "duplicate" and counter:
            try:
                await conn.execute(ITEMS.insert().values(value=counter))
            except sa.exc.IntegrityError:
                seen.append("refused")
        elif op == "read":
            seen.append(await values(conn))
        elif op == "savepoint":
            open_.append(await conn.begin_nested())
        elif op == "block" and db is None:
            open_.append(await conn.begin_nested())  # what Database.savepoint stands for
        elif op == "block" and db is not None:
            block = db.savepoint(conn)
            await block.__aenter__()
            open_.append(block)
        elif op in ("release", "undo") and open_:
            top = open_.pop()
            if hasattr(top, "__aexit__"):
                error = RuntimeError("undo") if op == "undo" else None
                await top.__aexit__(type(error) if error else None, error, None)
            elif op == "release":
                await top.commit()
            else:
                await top.rollback()
        elif op == "commit":
            await conn.commit()
            await end_blocks()
        elif op == "rollback":
            await conn.rollback()
            await end_blocks()
        elif op == "begin" and not conn.in_transaction():
            await begin_writing(conn)
    await conn.commit()
    await end_blocks()
    seen.append(await values(conn))
    await conn.commit()
    return seen


async def stock_engine(path: Path) -> AsyncEngine:
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    configure_sqlite_engine(engine)  # the same transaction control, on the stock adapter
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: ITEMS.metadata.create_all(c))
    return engine


@pytest.fixture
async def engines(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, Database]]:
    stock = await stock_engine(tmp_path / "stock.db")
    ours = await fresh(tmp_path / "ours.db")
    yield stock, ours
    await stock.dispose()
    await ours.dispose()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
async def test_any_sequence_of_transaction_steps_ends_as_with_the_stock_adapter(
    engines: tuple[AsyncEngine, Database], ops: list[str]
) -> None:
    stock, ours = engines
    note(f"ops={ops!r}")
    async with stock.connect() as conn:
        expected = await replay(conn, None, ops)
    async with ours.engine.connect() as conn:
        assert await replay(conn, ours, ops) == expected


# -- run_on_worker: several statements and the Python between them in one trip ------------


def _insert_all(sqlite: Any, first: int, count: int) -> list[int]:
    """On the thread: what is stored, then ``count`` values from ``first`` inserted."""
    seen = [row[0] for row in sqlite.execute("SELECT value FROM items ORDER BY value")]
    for value in range(first, first + count):
        sqlite.execute("INSERT INTO items (value) VALUES (?)", (value,)).close()
    return seen


def _insert_then_fail(sqlite: Any, value: int) -> None:
    sqlite.execute("INSERT INTO items (value) VALUES (?)", (value,)).close()
    raise RuntimeError("the step failed after writing")


async def test_run_on_worker_sends_what_waits_first_in_the_same_trip(
    db: Database, trips: Trips
) -> None:
    async with db.engine.connect() as conn:
        assert db.can_run_on_worker(conn)
        await begin_writing(conn)
        trips.count = 0
        await db.defer(conn, ITEMS.insert(), [{"value": 1}, {"value": 2}])
        async with db.savepoint(conn):
            await db.defer(conn, ITEMS.insert(), [{"value": 3}])
            assert trips.count == 0  # BEGIN, SAVEPOINT and the deferred writes wait
            seen = await db.run_on_worker(conn, _insert_all, 10, 3)
            assert trips.count == 1
        assert seen == [1, 2, 3]  # the deferred writes went first, in order
        assert await values(conn) == [1, 2, 3, 10, 11, 12]
        await conn.commit()
    async with db.read() as conn:
        assert await values(conn) == [1, 2, 3, 10, 11, 12]


async def test_an_error_in_fn_is_undone_with_the_transaction(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(ITEMS.insert().values(value=1))
    with pytest.raises(RuntimeError, match="after writing"):
        async with db.transaction() as conn:
            await conn.execute(ITEMS.insert().values(value=2))
            await db.defer(conn, ITEMS.insert(), [{"value": 3}])
            await db.run_on_worker(conn, _insert_then_fail, 4)
    async with db.read() as conn:
        assert await values(conn) == [1]  # neither 2, the deferred 3, nor fn's 4


async def test_an_error_in_fn_inside_a_savepoint_undoes_that_block_only(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(ITEMS.insert().values(value=1))
        with pytest.raises(RuntimeError):
            async with db.savepoint(conn):
                await db.defer(conn, ITEMS.insert(), [{"value": 2}])
                await db.run_on_worker(conn, _insert_then_fail, 3)
        await db.run_on_worker(conn, _insert_all, 4, 1)
    async with db.read() as conn:
        assert await values(conn) == [1, 4]


async def test_a_database_error_in_fn_comes_as_sqlalchemys(db: Database, trips: Trips) -> None:
    async with db.transaction() as conn:
        await conn.execute(ITEMS.insert().values(value=1))
        trips.count = 0
        with pytest.raises(sa.exc.IntegrityError) as raised:
            await db.run_on_worker(conn, _insert_all, 1, 1)
        assert type(raised.value.orig).__name__ == "IntegrityError"
        assert trips.count == 1
        await conn.execute(ITEMS.insert().values(value=2))  # the transaction goes on
    async with db.read() as conn:
        assert await values(conn) == [1, 2]


async def test_run_on_worker_begins_the_transaction_it_writes_in(db: Database) -> None:
    async with db.engine.connect() as conn:
        await db.run_on_worker(conn, _insert_all, 1, 1)
        assert conn.in_transaction()
        await conn.rollback()
    async with db.read() as conn:
        assert await values(conn) == []


async def test_run_on_worker_needs_the_one_trip_adapter(tmp_path: Path) -> None:
    engine = await stock_engine(tmp_path / "stock.db")
    try:
        async with engine.connect() as conn:
            assert not Database.can_run_on_worker(conn)
            with pytest.raises(TypeError):
                await run_on_worker(conn, _insert_all, 1, 1)
    finally:
        await engine.dispose()
