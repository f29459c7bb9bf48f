"""The dispatcher sends due outbox rows once, records them, and shows them in the Hub."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from domain.clock import MovableClock
from domain.model import Channel, MessageDirection, MessageKind, MessageStatus, OutboxState
from domain.storage.database import Database
from gateway.dispatcher import Dispatcher, DispatcherConfig
from gateway.dispatcher.testing import MemorySender
from gateway.stores.inprocess import InProcessPubSub
from tests.gateway.dispatcher.builders import CLINIC_NUMBER, T0, add, hub_messages, outbox, row


async def test_due_rows_are_sent_once_and_recorded(db: Database, clock: MovableClock) -> None:
    sender = MemorySender()
    rows = [row(i) for i in range(30)]
    await add(db, rows)
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, clock=clock)

    assert await dispatcher.drain() == 30

    assert sorted(sender.counts.values()) == [1] * 30
    stored = await outbox(db)
    assert {r.state for r in stored.values()} == {OutboxState.SENT}
    assert all(r.provider_id and r.sent_at == T0 for r in stored.values())
    assert all(r.from_address == CLINIC_NUMBER for r in stored.values())
    assert {m.from_address for m in sender.sent} == {CLINIC_NUMBER}
    messages = await hub_messages(db)
    assert len(messages) == 30
    assert {m.outbox_id for m in messages} == {r.id for r in rows}
    assert all(m.direction is MessageDirection.OUTBOUND for m in messages)
    assert all(m.status is MessageStatus.SENT for m in messages)
    assert len({m.conversation_id for m in messages}) == 30
    # Running again sends nothing more.
    assert await dispatcher.drain() == 0
    assert len(sender.sent) == 30


async def test_rows_not_yet_due_wait(db: Database, clock: MovableClock) -> None:
    sender = MemorySender()
    await add(db, [row(1, due_at=T0 + timedelta(minutes=5))])
    dispatcher = Dispatcher(db, {Channel.SMS: sender}, clock=clock)
    assert await dispatcher.drain() == 0
    clock.advance(timedelta(minutes=5))
    assert await dispatcher.drain() == 1
    assert len(sender.sent) == 1


async def test_rows_of_a_channel_without_sender_stay_pending(
    db: Database, clock: MovableClock
) -> None:
    email = row(1, to="avery@example.com", channel=Channel.EMAIL)
    await add(db, [email])
    dispatcher = Dispatcher(db, {Channel.SMS: MemorySender()}, clock=clock)
    assert await dispatcher.drain() == 0
    assert (await outbox(db))[email.id].state is OutboxState.PENDING


async def test_two_dispatchers_on_one_database_never_send_a_row_twice(
    db: Database, clock: MovableClock
) -> None:
    sender = MemorySender()
    await add(db, [row(i) for i in range(300)])
    config = DispatcherConfig(batch_size=25)
    first = Dispatcher(db, {Channel.SMS: sender}, clock=clock, config=config, worker_id="a")
    second = Dispatcher(db, {Channel.SMS: sender}, clock=clock, config=config, worker_id="b")
    claimed = await asyncio.gather(first.drain(), second.drain())
    assert sum(claimed) == 300
    assert len(sender.counts) == 300 and max(sender.counts.values()) == 1


async def test_a_reminder_due_at_night_waits_for_morning(
    db: Database, clock: MovableClock
) -> None:
    night = T0 + timedelta(hours=17)  # Wednesday 03:00 in Chicago
    clock.set(night)
    reminder = row(1, kind=MessageKind.REMINDER, due_at=night)
    await add(db, [reminder])
    sender = MemorySender()
    assert await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain() == 1
    stored = (await outbox(db))[reminder.id]
    assert stored.state is OutboxState.PENDING
    assert stored.due_at == T0 + timedelta(hours=22)  # Wednesday 08:00 CDT
    assert stored.reason is not None and stored.reason.startswith("outside_working_hours:")
    assert stored.attempts == 0 and stored.lease_owner is None
    assert sender.sent == []


async def test_live_updates_are_published(db: Database, clock: MovableClock) -> None:
    pubsub = InProcessPubSub()
    sent = row(1)
    await add(db, [sent])
    dispatcher = Dispatcher(db, {Channel.SMS: MemorySender()}, clock=clock, pubsub=pubsub)
    async with pubsub.subscribe(f"org:{sent.org_id}:outbox") as updates:
        await dispatcher.drain()
        message = await asyncio.wait_for(anext(aiter(updates)), 1)
    assert message["type"] == "outbox.updated"
    [item] = message["items"]
    assert item["outbox_id"] == sent.id and item["state"] == "sent"
    assert item["message_id"] and item["conversation_id"]
    await pubsub.aclose()


async def test_one_unrecordable_outcome_does_not_hold_up_the_others(
    db: Database, clock: MovableClock
) -> None:
    good = row(1)
    broken = row(2, conversation_id="01NOSUCHCONVERSATION000000")  # its Hub row cannot be stored
    await add(db, [good, broken])
    sender = MemorySender()
    await Dispatcher(db, {Channel.SMS: sender}, clock=clock).drain()
    stored = await outbox(db)
    assert stored[good.id].state is stored[broken.id].state is OutboxState.SENT
    assert [m.outbox_id for m in await hub_messages(db)] == [good.id]
    assert max(sender.counts.values()) == 1
