"""Bulk outbox writes are idempotent on both databases: a second write of the same rows adds
nothing, and a batch mixing new and existing dedupe keys adds exactly the new ones (on
PostgreSQL that batch takes the staging path after the optimistic ``COPY`` fails)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from domain.storage.database import Database
from domain.storage.tables import metadata
from gateway.reminders.bulk import copy_rows_postgres, fast_ids, insert_rows_sqlite

ORG = "01ORGBULK00000000000000000"
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _rows(first: int, count: int, *, sqlite: bool, ids: Any) -> list[tuple[Any, ...]]:
    rows = []
    for number in range(first, first + count):
        due: Any = NOW + timedelta(days=1, minutes=number)
        created: Any = NOW
        if sqlite:
            due = due.replace(tzinfo=None).isoformat(" ", "microseconds")
            created = NOW.replace(tzinfo=None).isoformat(" ", "microseconds")
        rows.append((
            ids(), ORG, f"rem:bulk-{number}", "reminder", "sms", "+12025550143", None, None,
            None, "appointment_reminder", "en", '{"appointment_id":"x","reminder":{}}', due,
            "pending", 0, created, created,
        ))
    return rows


async def _organization(db: Database) -> None:
    async with db.transaction() as conn:
        await conn.execute(sa.insert(metadata.tables["organizations"]).values(
            id=ORG, name="Bulk Clinic", public_key="bulk-key", settings={}, created_at=NOW))


def test_sqlite_bulk_insert_skips_existing_keys(tmp_path: Path) -> None:
    import asyncio

    path = tmp_path / "bulk.db"
    db = Database(f"sqlite+aiosqlite:///{path}")

    async def prepare() -> None:
        await db.upgrade()
        await _organization(db)
        await db.dispose()

    asyncio.run(prepare())
    conn = sqlite3.connect(path, isolation_level="DEFERRED")
    ids = fast_ids()
    insert_rows_sqlite(conn, _rows(0, 50, sqlite=True, ids=ids))
    insert_rows_sqlite(conn, _rows(0, 50, sqlite=True, ids=ids))
    insert_rows_sqlite(conn, _rows(40, 20, sqlite=True, ids=ids))
    keys = [k for (k,) in conn.execute("SELECT dedupe_key FROM outbox")]
    conn.close()
    assert sorted(keys) == sorted(f"rem:bulk-{n}" for n in range(60))


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[Any]:
    import asyncpg

    db = Database(postgres_url)
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: metadata.drop_all(c))
        await conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    await db.upgrade()
    await _organization(db)
    await db.dispose()
    conn = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    yield conn
    await conn.close()


@pytest.mark.integration
@pytest.mark.postgres
async def test_postgres_copy_is_idempotent(pg: Any) -> None:
    ids = fast_ids()
    assert await copy_rows_postgres(pg, _rows(0, 50, sqlite=False, ids=ids)) == 50
    assert await copy_rows_postgres(pg, _rows(0, 50, sqlite=False, ids=ids)) == 0
    assert await copy_rows_postgres(pg, _rows(40, 20, sqlite=False, ids=ids)) == 10
    repeated = _rows(70, 5, sqlite=False, ids=ids) + _rows(72, 1, sqlite=False, ids=ids)
    assert await copy_rows_postgres(pg, repeated) == 5
    keys = [r["dedupe_key"] for r in await pg.fetch("SELECT dedupe_key FROM outbox")]
    assert sorted(keys) == sorted(f"rem:bulk-{n}" for n in [*range(60), *range(70, 75)])
