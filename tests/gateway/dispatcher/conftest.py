"""Fixtures of the dispatcher tests: an embedded database with one clinic, a frozen clock on a
Tuesday morning in Chicago, and helpers to plan and inspect outbox rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from blockbuster import BlockBuster, blockbuster_ctx

from domain.clock import MovableClock
from domain.model import Facility, Organization
from domain.storage.database import Database
from domain.storage.repositories import PracticeRepository
from tests.gateway.dispatcher.builders import FACILITY_ID, ORG_ID, organization

TUESDAY_10AM_CHICAGO = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def blockbuster() -> Iterator[BlockBuster]:
    """Fail any test in which the dispatcher makes a blocking call on the event loop."""
    with blockbuster_ctx(["gateway.dispatcher", "gateway.api"]) as detector:
        yield detector


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(TUESDAY_10AM_CHICAGO, frozen=True)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'careline.db'}")
    await database.upgrade()
    async with database.transaction() as conn:
        repo = PracticeRepository(conn)
        await repo.add_organization(organization(), TUESDAY_10AM_CHICAGO)
        await repo.add_facility(
            Facility(id=FACILITY_ID, org_id=ORG_ID, name="Lakeside Clinic",
                     timezone="America/Chicago")
        )
    yield database
    await database.dispose()


@pytest.fixture
def org() -> Organization:
    return organization()
