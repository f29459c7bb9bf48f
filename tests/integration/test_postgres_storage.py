"""The storage contract on PostgreSQL (a database of its own, dropped afterwards)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa

from domain.storage.database import Database
from domain.storage.tables import metadata
from tests.domain.storage.storage_contract import *  # noqa: F403

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
async def db(postgres_url: str) -> AsyncIterator[Database]:
    database = Database(postgres_url, pool_size=5)
    async with database.engine.begin() as conn:
        await conn.run_sync(lambda c: metadata.drop_all(c))
        await conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    await database.upgrade()
    yield database
    await database.dispose()
