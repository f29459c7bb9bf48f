"""Fixtures of the waitlist service tests: a fresh SQLite database with the clinic.

The schema is built once per session (migrations plus the tables not migrated yet) and each
test gets a copy of that file, which keeps the suite fast.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.storage.database import Database, sqlite_url
from tests.gateway.waitlist.world import World, make_world, prepare


@pytest.fixture(scope="session")
def schema_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("waitlist-schema") / "careline.db"

    async def build() -> None:
        database = Database(sqlite_url(path))
        await prepare(database)
        await database.dispose()

    asyncio.run(build())
    return path


@pytest.fixture
async def db(tmp_path: Path, schema_file: Path) -> AsyncIterator[Database]:
    target = tmp_path / "careline.db"
    await asyncio.to_thread(shutil.copyfile, schema_file, target)
    database = Database(sqlite_url(target))
    yield database
    await database.dispose()


@pytest.fixture
async def world(db: Database) -> World:
    return await make_world(db)
