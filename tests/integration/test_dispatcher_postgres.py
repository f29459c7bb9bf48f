"""Several dispatcher workers on one PostgreSQL outbox never send a message twice."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.model import Channel
from domain.storage.database import Database
from domain.storage.repositories import OutboxRepository
from gateway.dispatcher import Dispatcher, DispatcherConfig
from gateway.dispatcher.testing import MemorySender, fake_provider_app, received
from tests.integration._dispatch_harness import (
    Workers,
    fill,
    scratch_postgres,
    states,
    stop,
    wait_until,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def database_url(postgres_url: str) -> Iterator[str]:
    with scratch_postgres(postgres_url) as url:
        yield url


async def test_two_worker_processes_never_double_send(
    aiohttp_server: Any, database_url: str, tmp_path: Path
) -> None:
    server = await aiohttp_server(fake_provider_app(delay=0.002))
    counts = received(server.app)
    ids = await fill(database_url, 4000)
    async with Workers(database_url, str(server.make_url("")), tmp_path) as workers:
        a = await workers.start("worker-a", "--batch-size", "50")
        b = await workers.start("worker-b", "--batch-size", "50")

        async def all_sent() -> bool:
            assert a.returncode is None and b.returncode is None, workers.log("worker-a")
            return len(counts) >= len(ids)

        await wait_until(all_sent, seconds=120, what="every message to be sent")
        assert await stop(a) == 0 and await stop(b) == 0
    final = await states(database_url)
    assert {final[i][0] for i in ids} == {"sent"}
    assert max(counts.values()) == 1 and set(counts) == set(ids)
    owners = {final[i][2].split("/")[0] for i in ids if final[i][2]}
    assert owners == {"worker-a", "worker-b"}, "both workers should have claimed rows"


async def test_concurrent_claims_take_disjoint_rows(database_url: str) -> None:
    ids = await fill(database_url, 600)
    databases = [Database(database_url, pool_size=3) for _ in range(4)]
    now = datetime.now(UTC)

    async def claim_all(db: Database, owner: str) -> list[str]:
        taken: list[str] = []
        while True:
            async with db.transaction() as conn:
                rows = await OutboxRepository(conn).claim_due(
                    owner=owner, now=now, lease_until=now + timedelta(minutes=1), limit=7
                )
            if not rows:
                return taken
            taken.extend(r.id for r in rows)

    try:
        results = await asyncio.gather(
            *(claim_all(db, f"w{i}") for i, db in enumerate(databases))
        )
    finally:
        for db in databases:
            await db.dispose()
    claimed = [i for taken in results for i in taken]
    assert sorted(claimed) == sorted(ids)  # every row once, none twice
    assert sum(1 for taken in results if taken) > 1


async def test_in_process_dispatchers_on_postgres(database_url: str) -> None:
    ids = await fill(database_url, 500)
    sender = MemorySender()
    databases = [Database(database_url, pool_size=4) for _ in range(3)]
    config = DispatcherConfig(batch_size=20)
    try:
        await asyncio.gather(
            *(Dispatcher(db, {Channel.SMS: sender}, config=config, worker_id=f"p{i}").drain()
              for i, db in enumerate(databases))
        )
    finally:
        for db in databases:
            await db.dispose()
    assert sorted(sender.counts) == sorted(ids) and max(sender.counts.values()) == 1


async def test_recording_outcomes_changes_exactly_the_rows_it_may(database_url: str) -> None:
    from domain.model import OutboxState
    from domain.storage.repositories.outbox import Transition

    ids = await fill(database_url, 4)
    db = Database(database_url, pool_size=2)
    now = datetime.now(UTC)
    later = now + timedelta(minutes=5)
    try:
        async with db.transaction() as conn:
            repo = OutboxRepository(conn)
            await repo.claim_due(owner="w/1", now=now, lease_until=later, limit=4)
            await repo.mark_sending(ids[:3], owner="w/1", now=now, lease_floor=now)
            changed = await repo.record_attempts(
                [
                    Transition(ids[0], OutboxState.SENT, None, provider_id="SM1", sent_at=now),
                    Transition(ids[1], OutboxState.PENDING, "transient: 503", due_at=later),
                    Transition(ids[2], OutboxState.UNKNOWN, "unknown: lost"),
                    Transition(ids[3], OutboxState.SENT, None, provider_id="SM4", sent_at=now),
                ],
                now=now,
            )
            rows = {r.id: r for r in await repo.get_many(ids)}
    finally:
        await db.dispose()
    assert changed == set(ids[:3])  # the fourth never started sending: not touched
    assert rows[ids[0]].provider_id == "SM1" and rows[ids[0]].sent_at == now
    assert rows[ids[1]].state is OutboxState.PENDING and rows[ids[1]].due_at == later
    assert rows[ids[2]].state is OutboxState.UNKNOWN and rows[ids[2]].provider_id is None
    assert rows[ids[3]].state is OutboxState.CLAIMED and rows[ids[3]].provider_id is None
