"""The storage contract on the embedded default, SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from domain.storage.database import Database
from tests.domain.storage.storage_contract import *  # noqa: F403


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'careline.db'}")
    await database.upgrade()
    yield database
    await database.dispose()


async def test_downgrade_to_base_and_up_again(db: Database) -> None:
    await db.downgrade("base")
    assert await db.current_revision() is None
    await db.upgrade()
    assert await db.current_revision() is not None
