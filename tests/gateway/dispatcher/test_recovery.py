"""Crash safety: an expired lease is re-examined; a message that may have gone is looked up at
the provider, and one whose fate is unknown is flagged -- never sent twice blindly."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from channels.base import OutboundMessage, SendResult, TransientSendError
from domain.clock import MovableClock
from domain.model import Channel, MessageStatus, OutboxMessage, OutboxState
from domain.storage.database import Database
from domain.storage.repositories import OutboxRepository
from gateway.dispatcher import Dispatcher, DispatcherConfig
from gateway.dispatcher.reconcile import ReconcileReport
from gateway.dispatcher.testing import MemorySender
from tests.gateway.dispatcher.builders import T0, add, hub_messages, one, row

FAST = DispatcherConfig(send_timeout=0.2, pacing_hold=0.0, lease=timedelta(seconds=5))


async def crashed_claim(db: Database, *, started: bool, attempts: int = 1) -> OutboxMessage:
    """A row claimed by a worker that died (its lease already expired at T0)."""
    message = row(1)
    await add(db, [message])
    async with db.transaction() as conn:
        repo = OutboxRepository(conn)
        for _ in range(attempts):
            [claimed] = await repo.claim_due(
                owner="dead/1", now=T0, lease_until=T0 - timedelta(seconds=1), limit=1
            )
            if _ < attempts - 1:
                await repo.requeue_expired(now=T0, max_claims=99, reason="again")
        if started:
            marked = await repo.mark_sending(
                [claimed.id], owner="dead/1", now=T0, lease_floor=T0 - timedelta(hours=1)
            )
            assert marked == {claimed.id}
    return claimed


async def test_interrupted_before_sending_is_queued_again_and_sent_once(
    db: Database, clock: MovableClock
) -> None:
    claimed = await crashed_claim(db, started=False)
    sender = MemorySender()
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, clock=clock, config=FAST)

    report = await dispatcher.reconcile()
    assert report.requeued == 1
    assert (await one(db, claimed.id)).state is OutboxState.PENDING
    await dispatcher.drain()
    assert sender.counts == {claimed.id: 1}
    assert (await one(db, claimed.id)).state is OutboxState.SENT


async def test_interrupted_after_the_provider_got_it_is_marked_sent_not_resent(
    db: Database, clock: MovableClock
) -> None:
    claimed = await crashed_claim(db, started=True)
    sender = MemorySender()
    await sender.send(  # the dead worker's request had reached the provider
        OutboundMessage(channel=Channel.SMS, to_address=claimed.to_address, from_address=None,
                        body=claimed.body or "", idempotency_key=claimed.id)
    )
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, clock=clock, config=FAST)

    report = await dispatcher.reconcile()
    await dispatcher.drain()

    assert report.looked_up == 1
    assert sender.counts == {claimed.id: 1}
    stored = await one(db, claimed.id)
    assert stored.state is OutboxState.SENT
    [message] = await hub_messages(db)
    assert message.outbox_id == claimed.id and message.status is MessageStatus.SENT


@pytest.mark.parametrize("lookup_supported", [True, False])
async def test_interrupted_attempt_unknown_to_the_provider_is_flagged_not_resent(
    db: Database, clock: MovableClock, lookup_supported: bool
) -> None:
    claimed = await crashed_claim(db, started=True)
    sender = MemorySender(lookup_supported=lookup_supported)
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, clock=clock, config=FAST)

    await dispatcher.reconcile()
    clock.advance(timedelta(hours=1))
    await dispatcher.reconcile()
    await dispatcher.drain()

    assert sender.sent == []
    stored = await one(db, claimed.id)
    assert stored.state is OutboxState.UNKNOWN
    assert stored.reason is not None and "not sent again" in stored.reason
    [message] = await hub_messages(db)
    assert message.status is MessageStatus.UNKNOWN


async def test_unreachable_provider_leaves_the_row_for_a_later_look_up(
    db: Database, clock: MovableClock
) -> None:
    claimed = await crashed_claim(db, started=True)
    sender = MemorySender()

    async def down(provider_id: str | None, key: str) -> MessageStatus | None:
        raise OSError("connection refused")

    sender.lookup = down  # type: ignore[method-assign]
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, clock=clock, config=FAST)
    report = await dispatcher.reconcile()
    assert report.unresolved == 1
    stored = await one(db, claimed.id)
    assert stored.state is OutboxState.CLAIMED and stored.reason == "sending"
    assert sender.sent == []


async def test_a_row_that_keeps_killing_workers_is_failed(
    db: Database, clock: MovableClock
) -> None:
    claimed = await crashed_claim(db, started=False, attempts=FAST.max_claims)
    dispatcher = Dispatcher(db, {Channel.SMS: MemorySender()}, clock=clock, config=FAST)
    report = await dispatcher.reconcile()
    assert report.poisoned == 1
    stored = await one(db, claimed.id)
    assert stored.state is OutboxState.FAILED and "interrupted" in (stored.reason or "")


async def test_a_live_lease_is_left_alone(db: Database, clock: MovableClock) -> None:
    message = row(1)
    await add(db, [message])
    async with db.transaction() as conn:
        await OutboxRepository(conn).claim_due(
            owner="alive/1", now=T0, lease_until=T0 + timedelta(minutes=1), limit=1
        )
    dispatcher = Dispatcher(db, {Channel.SMS: MemorySender()}, clock=clock, config=FAST)
    assert await dispatcher.reconcile() == ReconcileReport()
    assert await dispatcher.drain() == 0
    assert (await one(db, message.id)).lease_owner == "alive/1"


async def test_a_worker_that_lost_its_lease_cannot_start_sending(db: Database) -> None:
    message = row(1)
    await add(db, [message])
    async with db.transaction() as conn:
        repo = OutboxRepository(conn)
        await repo.claim_due(owner="slow/1", now=T0, lease_until=T0 + timedelta(seconds=1),
                             limit=1)
        later = T0 + timedelta(seconds=2)
        await repo.requeue_expired(now=later, max_claims=5, reason="requeued")
        await repo.claim_due(owner="fast/1", now=later, lease_until=later + timedelta(minutes=1),
                             limit=1)
        assert await repo.mark_sending(
            [message.id], owner="slow/1", now=later, lease_floor=later
        ) == set()
        assert await repo.mark_sending(
            [message.id], owner="fast/1", now=later, lease_floor=later
        ) == {message.id}


async def test_a_lost_answer_is_settled_by_look_up(db: Database, clock: MovableClock) -> None:
    reached, lost = row(1), row(2)
    await add(db, [reached, lost])
    sender = MemorySender()

    def answer_lost(message: OutboundMessage) -> None:
        raise TransientSendError("connection reset", maybe_sent=True)

    sender.accept_then_fail = answer_lost
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, clock=clock, config=FAST)
    await dispatcher.drain()
    assert sender.counts[reached.id] == 1 and sender.counts[lost.id] == 1
    assert (await one(db, reached.id)).state is OutboxState.SENT
    assert (await one(db, lost.id)).state is OutboxState.SENT


async def test_a_provider_that_never_answers_is_not_asked_twice_to_send(
    db: Database, clock: MovableClock
) -> None:
    message = row(1)
    await add(db, [message])
    sender = MemorySender()
    calls = 0

    async def hang(outbound: OutboundMessage) -> None:
        nonlocal calls
        calls += 1
        await asyncio.sleep(10)

    sender.send = hang  # type: ignore[assignment,method-assign]
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, clock=clock, config=FAST)
    await dispatcher.drain()
    clock.advance(timedelta(hours=1))
    await dispatcher.reconcile()
    await dispatcher.drain()
    assert calls == 1
    stored = await one(db, message.id)
    assert stored.state is OutboxState.UNKNOWN
    assert "did not answer" in (stored.reason or "")


async def test_stop_lets_running_attempts_finish_and_records_them(
    db: Database, clock: MovableClock
) -> None:
    rows = [row(i) for i in range(20)]
    await add(db, rows)
    sender = MemorySender()
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, clock=clock, config=FAST)
    await dispatcher.start()
    for _ in range(100):
        if len(sender.sent) == 20:
            break
        await asyncio.sleep(0.02)
    await dispatcher.stop()
    stored = [await one(db, r.id) for r in rows]
    assert {s.state for s in stored} == {OutboxState.SENT}
    assert max(sender.counts.values()) == 1


async def test_a_live_worker_keeps_the_leases_of_slow_attempts(db: Database) -> None:
    rows = [row(i) for i in range(8)]
    await add(db, rows)
    sender = MemorySender()
    slow_send = sender.send

    async def slow(message: OutboundMessage) -> SendResult:
        await asyncio.sleep(0.15)
        return await slow_send(message)

    sender.send = slow  # type: ignore[method-assign]
    looked_up: list[str] = []
    real_lookup = sender.lookup

    async def lookup(provider_id: str | None, key: str) -> MessageStatus | None:
        looked_up.append(key)  # a reconciler took a row for abandoned
        return await real_lookup(provider_id, key)

    sender.lookup = lookup  # type: ignore[method-assign]
    # One call at a time: the last row waits ~1.2 s, far beyond its 0.45 s lease.
    config = DispatcherConfig(lease=timedelta(seconds=0.45), send_timeout=0.3, pacing_hold=0,
                              send_concurrency=1, reap_interval=0.05, poll_interval=0.05)
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, config=config)
    await dispatcher.start()
    for _ in range(100):
        if len(sender.sent) == len(rows):
            break
        await asyncio.sleep(0.05)
    await dispatcher.stop()
    states = {(await one(db, r.id)).state for r in rows}
    assert states == {OutboxState.SENT}
    assert looked_up == []  # no live attempt was taken for abandoned
    assert max(sender.counts.values()) == 1
