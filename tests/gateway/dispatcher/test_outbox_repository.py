"""The outbox repository's lease operations on the embedded database (PostgreSQL: see
tests/integration/test_dispatcher_postgres.py)."""

from __future__ import annotations

from datetime import timedelta

from domain.model import OutboxState
from domain.storage.database import Database
from domain.storage.repositories import OutboxRepository
from domain.storage.repositories.outbox import SENDING, Transition
from tests.gateway.dispatcher.builders import T0, add, row

LATER = T0 + timedelta(minutes=5)


async def test_recording_outcomes_changes_exactly_the_rows_it_may(db: Database) -> None:
    rows = [row(i) for i in range(4)]
    ids = [r.id for r in rows]
    await add(db, rows)
    async with db.transaction() as conn:
        repo = OutboxRepository(conn)
        await repo.claim_due(owner="w/1", now=T0, lease_until=LATER, limit=4)
        assert await repo.mark_sending(ids[:3], owner="w/1", now=T0, lease_floor=T0) == set(
            ids[:3]
        )
        changed = await repo.record_attempts(
            [
                Transition(ids[0], OutboxState.SENT, None, provider_id="SM1", sent_at=T0),
                Transition(ids[1], OutboxState.PENDING, "transient: 503", due_at=LATER),
                Transition(ids[2], OutboxState.UNKNOWN, "unknown: lost"),
                Transition(ids[3], OutboxState.SENT, None, provider_id="SM4", sent_at=T0),
            ],
            now=T0,
        )
        stored = {r.id: r for r in await repo.get_many(ids)}
    assert changed == set(ids[:3])
    assert stored[ids[0]].provider_id == "SM1" and stored[ids[0]].sent_at == T0
    assert stored[ids[1]].state is OutboxState.PENDING and stored[ids[1]].due_at == LATER
    assert stored[ids[2]].state is OutboxState.UNKNOWN
    assert stored[ids[3]].state is OutboxState.CLAIMED and stored[ids[3]].reason is None


async def test_a_claim_counts_an_attempt_and_a_release_gives_it_back(db: Database) -> None:
    message = row(1)
    await add(db, [message])
    async with db.transaction() as conn:
        repo = OutboxRepository(conn)
        [claimed] = await repo.claim_due(owner="w/1", now=T0, lease_until=LATER, limit=5)
        assert claimed.attempts == 1 and claimed.lease_owner == "w/1"
        assert await repo.claim_due(owner="w/2", now=T0, lease_until=LATER, limit=5) == []
        assert await repo.release([(message.id, LATER, "quiet hours")], owner="w/2",
                                  now=T0) == 0  # not the owner
        assert await repo.release([(message.id, LATER, "quiet hours")], owner="w/1",
                                  now=T0) == 1
        back = await repo.get(message.id)
    assert back.state is OutboxState.PENDING and back.attempts == 0
    assert back.due_at == LATER and back.reason == "quiet hours" and back.lease_owner is None


async def test_a_started_attempt_is_never_released_or_requeued(db: Database) -> None:
    message = row(1)
    await add(db, [message])
    async with db.transaction() as conn:
        repo = OutboxRepository(conn)
        await repo.claim_due(owner="w/1", now=T0, lease_until=T0 + timedelta(seconds=1), limit=1)
        await repo.mark_sending([message.id], owner="w/1", now=T0, lease_floor=T0)
        assert await repo.release([(message.id, LATER, None)], owner="w/1", now=T0) == 0
        expired = T0 + timedelta(seconds=2)
        assert await repo.requeue_expired(now=expired, max_claims=5, reason="x") == []
        [taken] = await repo.take_over_expired(owner="r/1", now=expired, lease_until=LATER,
                                               limit=10)
    assert taken.id == message.id and taken.reason == SENDING and taken.lease_owner == "r/1"
