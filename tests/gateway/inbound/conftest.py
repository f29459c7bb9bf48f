"""Fixtures of the inbound pipeline's tests: a migrated SQLite database with the test clinic,
and in-process stores. A module may override ``db`` (PostgreSQL, a bare SQLite file). ``trips``
counts the trips to aiosqlite's thread."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
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


class Trips:
    """Counts calls that go to aiosqlite's thread."""

    def __init__(self) -> None:
        self.count = 0


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[Trips]:
    counter = Trips()
    original: Any = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        counter.count += 1
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield counter
