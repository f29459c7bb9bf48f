"""Fixtures of the inbound pipeline's tests: a migrated SQLite database with the test clinic,
and in-process stores. A module may override ``db`` (PostgreSQL, a bare SQLite file)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.storage.database import Database
from gateway.stores.factory import Stores, build_stores
from tests.gateway.webhooks.appkit import Clinic, ensure_channel_tables, seed_clinic


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'careline.db'}")
    await database.upgrade()
    await ensure_channel_tables(database)
    yield database
    await database.dispose()


@pytest.fixture
async def stores() -> AsyncIterator[Stores]:
    built = build_stores(None)
    yield built
    await built.close()


@pytest.fixture
async def clinic(db: Database) -> Clinic:
    return await seed_clinic(db)
