"""The inbound pipeline on SQLite stores the messages that arrive together in one transaction
(group commit): fewer transactions, and still once, in order, each answered after its commit,
one failure never costing the others."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.envelope import Envelope
from domain.clock import SystemClock
from domain.model import Channel, ConversationStatus, new_id
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import ConversationRepository
from gateway.inbound._group_commit import GroupCommit
from gateway.inbound._writes import Arrival, store_batch
from gateway.inbound.addresses import AddressBook, Target
from gateway.inbound.pipeline import InboundPipeline
from gateway.inbound.responder import InboundContext
from gateway.metrics import Metrics
from gateway.stores.factory import Stores, build_stores
from tests.gateway.inbound.conftest import Trips
from tests.gateway.webhooks.appkit import (
    INBOUND_DOMAIN,
    SMS_NUMBER,
    Clinic,
    RecordingResponder,
    clinic_org,
)


def pipeline_for(db: Database, stores: Stores, responder: object,
                 addresses: AddressBook | None = None) -> InboundPipeline:
    return InboundPipeline(db, stores, SystemClock(), responder,  # type: ignore[arg-type]
                           Metrics(CollectorRegistry()),
                           addresses=addresses or AddressBook(inbound_email_domain=INBOUND_DOMAIN))


def sms(text: str, sid: str, sender: str, to: str = SMS_NUMBER) -> Envelope:
    return Envelope(channel=Channel.SMS, provider_message_id=sid, from_address=sender,
                    to_address=to, text=text, received_at=datetime.now(UTC))


def sender(i: int) -> str:
    return f"+1646555{i:04d}"


async def stored(db: Database) -> list[tuple[str, str]]:
    async with db.read() as conn:
        rows = await conn.execute(sa.select(t.messages.c.provider_id, t.messages.c.body)
                                  .order_by(t.messages.c.provider_id))
        return [(r.provider_id, r.body) for r in rows]


class Echo(RecordingResponder):
    """Answers with the text it got, writing a domain event first; fails on "boom"."""

    async def respond(self, conn: AsyncConnection, inbound: InboundContext) -> list[str]:
        self.seen.append(inbound)
        await conn.execute(t.domain_events.insert().values(
            id=new_id(), org_id=inbound.org.id, kind="echo",
            payload={"body": inbound.message.body}, created_at=inbound.now))
        await asyncio.sleep(0)  # let the others queue up behind this one
        if inbound.message.body == "boom":
            raise RuntimeError("the responder broke")
        return [f"echo {inbound.message.body}"]


async def echoed(db: Database) -> list[str]:
    async with db.read() as conn:
        rows = await conn.execute(sa.select(t.domain_events.c.payload)
                                  .where(t.domain_events.c.kind == "echo"))
        return sorted(r.payload["body"] for r in rows)


async def test_messages_arriving_together_share_transactions_and_keep_their_answers(
    db: Database, stores: Stores, clinic: Clinic
) -> None:
    pipeline = pipeline_for(db, stores, Echo())
    results = await asyncio.gather(
        *(pipeline.receive(sms(f"m{i}", f"SM{i:032x}", sender(i))) for i in range(40)))
    assert [r.replies for r in results] == [[f"echo m{i}"] for i in range(40)]
    assert not any(r.duplicate for r in results)
    assert len(await stored(db)) == 40 and len(await echoed(db)) == 40
    assert pipeline._group is not None and pipeline._group.batches < 40
    async with db.read() as conn:
        repo = ConversationRepository(conn)
        threads = {r.conversation_id for r in results}
        assert len(threads) == 40
        for result in results:
            assert [m.id for m in await repo.messages(result.conversation_id or "")] == [
                result.message_id]


async def test_a_batch_costs_two_trips_to_the_database_whatever_its_size(
    db: Database, stores: Stores, clinic: Clinic, trips: Trips
) -> None:
    pipeline = pipeline_for(db, stores, RecordingResponder(answers=["ok"]))
    await pipeline.receive(sms("warm-up", "SM" + "0" * 32, sender(9999)))  # caches our number
    trips.count = 0
    first = await asyncio.gather(  # new threads
        *(pipeline.receive(sms("a", f"SM{i:032x}", sender(i))) for i in range(1, 25)))
    again = await asyncio.gather(  # the same threads again
        *(pipeline.receive(sms("b", f"SM{i + 100:032x}", sender(i))) for i in range(1, 25)))
    assert all(r.replies == ["ok"] for r in first + again)
    assert pipeline._group is not None
    batches = pipeline._group.batches - 1
    # Per batch: BEGIN + the read + threads + messages (Database.run_on_worker), then the
    # touches + COMMIT.
    assert trips.count == 2 * batches < 48


async def test_one_failing_responder_costs_only_its_own_writes(
    db: Database, stores: Stores, clinic: Clinic
) -> None:
    pipeline = pipeline_for(db, stores, Echo())
    bodies = ["a", "b", "boom", "c", "d"]
    results = await asyncio.gather(
        *(pipeline.receive(sms(body, f"SM{i:032x}", sender(i))) for i, body in enumerate(bodies)))
    assert [r.replies for r in results] == [["echo a"], ["echo b"], [], ["echo c"], ["echo d"]]
    assert pipeline._group is not None and pipeline._group.batches < len(bodies)
    assert await echoed(db) == ["a", "b", "c", "d"]  # the failing one's event was undone
    assert [body for _, body in await stored(db)] == bodies  # its message was kept
    async with db.read() as conn:
        thread = await ConversationRepository(conn).get(results[2].conversation_id or "")
    assert thread.status is ConversationStatus.OPEN and thread.unread  # for staff to see


async def test_copies_of_one_message_in_one_batch_are_handled_once(
    db: Database, clinic: Clinic
) -> None:
    class Forgetful:
        """An idempotency store that lets every copy through (Redis flushed, say)."""

        async def claim(self, key: str, ttl: float) -> bool:
            return True

        async def complete(self, key: str, result: bytes, ttl: float) -> None:
            return None

        async def result(self, key: str) -> bytes | None:
            return None

        async def release(self, key: str) -> None:
            return None

    base = build_stores(None)
    stores = Stores(lock=base.lock, idempotency=Forgetful(), rate_limiter=base.rate_limiter,
                    pubsub=base.pubsub, backend="test", ping_backend=base.ping_backend,
                    close_backend=base.close_backend)
    try:
        responder = Echo()
        pipeline = pipeline_for(db, stores, responder)
        sid = "SM" + "e" * 32
        # Different senders (so different locks): the copies can land in one batch.
        results = await asyncio.gather(*(pipeline.receive(sms("yes", sid, sender(i)))
                                         for i in range(4)))
    finally:
        await stores.close()
    assert sum(not r.duplicate for r in results) == 1
    assert len(responder.seen) == 1 and await stored(db) == [(sid, "yes")]


async def test_two_writers_on_one_file_still_store_a_message_once(
    db: Database, clinic: Clinic
) -> None:
    # Two gateway processes on one SQLite file, each with its own stores and writer.
    first, second = build_stores(None), build_stores(None)
    try:
        responder = Echo()
        one, two = pipeline_for(db, first, responder), pipeline_for(db, second, responder)
        sid = "SM" + "f" * 32
        results = await asyncio.gather(*(p.receive(sms("yes", sid, sender(1)))
                                         for p in (one, two, one, two)))
    finally:
        await first.close()
        await second.close()
    assert sum(not r.duplicate for r in results) == 1
    assert len(responder.seen) == 1 and await stored(db) == [(sid, "yes")]


async def test_a_message_the_database_refuses_does_not_sink_its_batch(
    db: Database, stores: Stores, clinic: Clinic, monkeypatch: pytest.MonkeyPatch
) -> None:
    ghost = clinic_org(sms_number="+18885550111")  # never stored: its threads break the FK
    batches: list[list[str]] = []

    async def recording(db: Database, conn: AsyncConnection, batch: Sequence[Arrival],
                        *, locked: bool) -> object:
        batches.append([a.envelope.text for a in batch])
        return await store_batch(db, conn, batch, locked=locked)

    monkeypatch.setattr("gateway.inbound.pipeline.store_batch", recording)

    class Book(AddressBook):
        def cached(self, envelope: Envelope) -> Target | None:
            if envelope.to_address == ghost.settings.messaging.sms_number:
                return Target(ghost)
            return super().cached(envelope)

    pipeline = pipeline_for(db, stores, Echo(), Book(inbound_email_domain=INBOUND_DOMAIN))
    envelopes = [sms(f"m{i}", f"SM{i:032x}", sender(i)) for i in range(6)]
    envelopes[3] = sms("lost", f"SM{3:032x}", sender(3), to="+18885550111")
    results = await asyncio.gather(*(pipeline.receive(e) for e in envelopes),
                                   return_exceptions=True)
    assert any("lost" in batch and len(batch) > 1 for batch in batches)  # it had company
    assert isinstance(results[3], sa.exc.IntegrityError)
    assert [r.replies for i, r in enumerate(results) if i != 3] == [  # type: ignore[union-attr]
        [f"echo m{i}"] for i in (0, 1, 2, 4, 5)]
    assert [body for _, body in await stored(db)] == ["m0", "m1", "m2", "m4", "m5"]
    # The refused message was not claimed for good: once deliverable, it is processed.
    assert not (await pipeline.receive(sms("m3", f"SM{3:032x}", sender(3)))).duplicate


# -- the writer itself ---------------------------------------------------------------------


async def test_callers_are_answered_only_after_their_batch_committed(db: Database) -> None:
    async def run(conn: AsyncConnection, units: Sequence[int]) -> list[int | Exception]:
        for unit in units:
            await conn.execute(t.domain_events.insert().values(
                id=new_id(), org_id="o", kind=f"unit{unit}", payload={},
                created_at=datetime.now(UTC)))
        return list(units)

    writer: GroupCommit[int, int] = GroupCommit(db, run)
    commits: list[object] = []

    async def submit_and_look(unit: int) -> bool:
        await writer.submit(unit)
        assert commits, "answered before any COMMIT"
        async with db.read() as conn:  # another connection sees only committed rows
            found = await conn.execute(sa.select(t.domain_events.c.id)
                                       .where(t.domain_events.c.kind == f"unit{unit}"))
            return found.first() is not None

    async with db.transaction() as conn:  # an organisation for the events' foreign key
        await conn.execute(t.organizations.insert().values(
            id="o", name="O", public_key="org-o-key", settings={},
            created_at=datetime.now(UTC)))
    event.listen(db.engine.sync_engine, "commit", commits.append)
    assert await asyncio.gather(*(submit_and_look(i) for i in range(20))) == [True] * 20
    assert writer.batches < 20


async def test_a_failed_batch_fails_each_of_its_callers_and_commits_nothing(
    db: Database,
) -> None:
    calls: list[Sequence[int]] = []

    async def run(conn: AsyncConnection, units: Sequence[int]) -> list[int | Exception]:
        calls.append(units)
        await conn.execute(t.organizations.insert().values(
            id=f"o{units[0]}", name="O", public_key=f"org-key-{units[0]}", settings={},
            created_at=datetime.now(UTC)))
        if 3 in units:
            raise RuntimeError("this batch cannot be stored")
        return [ValueError(f"unit {u} is odd") if u % 2 else u for u in units]

    writer: GroupCommit[int, int] = GroupCommit(db, run, max_batch=4)
    results = await asyncio.gather(*(writer.submit(i) for i in range(8)),
                                   return_exceptions=True)
    first, second = calls[0], calls[1]
    assert list(first) == [0, 1, 2, 3] and list(second) == [4, 5, 6, 7]
    assert all(isinstance(r, RuntimeError) for r in results[:4])  # the whole batch failed
    assert results[4] == 4 and isinstance(results[5], ValueError) and results[6] == 6
    async with db.read() as conn:
        ids = (await conn.execute(sa.select(t.organizations.c.id))).scalars().all()
    assert ids == ["o4"]  # the failed batch's row was rolled back


async def test_every_batch_on_one_connection_begins_immediate(db: Database) -> None:
    begun: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("BEGIN"):
            begun.append(statement)

    async def run(conn: AsyncConnection, units: Sequence[int]) -> list[int | Exception]:
        await conn.execute(sa.select(t.organizations.c.id))
        return list(units)

    writer: GroupCommit[int, int] = GroupCommit(db, run, max_batch=1)
    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    assert await asyncio.gather(*(writer.submit(i) for i in range(3))) == [0, 1, 2]
    assert writer.batches == 3
    assert begun == ["BEGIN IMMEDIATE"] * 3  # the later batches too (one drain, one connection)
