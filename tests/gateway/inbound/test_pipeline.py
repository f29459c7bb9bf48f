"""The inbound pipeline: stored once, before acting, in arrival order, never lost."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.envelope import Envelope
from domain.clock import SystemClock
from domain.model import Channel, ConversationStatus, MessageStatus
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import ConversationRepository
from gateway.inbound.addresses import AddressBook
from gateway.inbound.errors import UnknownRecipient
from gateway.inbound.hub_responder import HubResponder
from gateway.inbound.pipeline import InboundPipeline, stored_body
from gateway.inbound.responder import InboundContext
from gateway.metrics import Metrics
from gateway.stores.factory import Stores, build_stores
from tests.gateway.webhooks.appkit import (
    INBOUND_DOMAIN,
    PATIENT_PHONE,
    SMS_NUMBER,
    Clinic,
    RecordingResponder,
)


def pipeline_for(db: Database, stores: Stores, responder: object) -> InboundPipeline:
    return InboundPipeline(db, stores, SystemClock(), responder,  # type: ignore[arg-type]
                           Metrics(CollectorRegistry()),
                           addresses=AddressBook(inbound_email_domain=INBOUND_DOMAIN))


def sms(text: str = "C", sid: str = "SM1", *, to: str = SMS_NUMBER,
        sender: str = PATIENT_PHONE) -> Envelope:
    return Envelope(channel=Channel.SMS, provider_message_id=sid, from_address=sender,
                    to_address=to, text=text, received_at=datetime.now(UTC))


async def inbound_count(db: Database) -> int:
    async with db.read() as conn:
        query = sa.select(sa.func.count()).select_from(t.messages)
        return int((await conn.execute(query)).scalar_one())


async def test_message_is_stored_before_the_responder_acts(
    db: Database, stores: Stores, clinic: Clinic
) -> None:
    seen_in_db: list[int] = []

    class Checking(RecordingResponder):
        async def respond(self, conn: AsyncConnection, inbound: InboundContext) -> list[str]:
            count = (await conn.execute(sa.select(sa.func.count()).select_from(t.messages)))
            seen_in_db.append(int(count.scalar_one()))
            return await super().respond(conn, inbound)

    responder = Checking()
    result = await pipeline_for(db, stores, responder).receive(sms("Yes please"))
    assert result.replies == responder.answers and not result.duplicate
    assert seen_in_db == [1]
    ctx = responder.seen[0]
    assert ctx.message.status is MessageStatus.RECEIVED and ctx.message.body == "Yes please"
    assert [p.id for p in ctx.patients] == [clinic.patient.id]
    assert ctx.conversation_created and ctx.conversation.patient_id == clinic.patient.id
    assert ctx.org.id == clinic.org.id


async def test_a_duplicate_is_not_processed_again_and_gets_the_first_answer(
    db: Database, stores: Stores, clinic: Clinic
) -> None:
    responder = RecordingResponder(answers=["Confirmed"])
    pipeline = pipeline_for(db, stores, responder)
    first = await pipeline.receive(sms(sid="SMdup"))
    again = await pipeline.receive(sms(sid="SMdup"))
    assert first.replies == ["Confirmed"] and not first.duplicate
    assert again.duplicate and again.replies == ["Confirmed"]
    assert len(responder.seen) == 1 and await inbound_count(db) == 1


async def test_the_database_catches_a_duplicate_the_store_forgot(
    db: Database, stores: Stores, clinic: Clinic
) -> None:
    responder = RecordingResponder()
    await pipeline_for(db, stores, responder).receive(sms(sid="SMold"))
    fresh = build_stores(None)  # e.g. Redis flushed, or the key expired
    try:
        result = await pipeline_for(db, fresh, responder).receive(sms(sid="SMold"))
    finally:
        await fresh.close()
    assert result.duplicate and len(responder.seen) == 1 and await inbound_count(db) == 1


async def test_concurrent_copies_are_handled_once(
    db: Database, stores: Stores, clinic: Clinic
) -> None:
    responder = RecordingResponder(delay=0.05)
    pipeline = pipeline_for(db, stores, responder)
    results = await asyncio.gather(*(pipeline.receive(sms(sid="SMsame")) for _ in range(5)))
    assert sum(not r.duplicate for r in results) == 1
    assert [r.replies for r in results if r.duplicate] == [[]] * 4
    assert len(responder.seen) == 1


async def test_messages_of_one_conversation_are_handled_in_arrival_order(
    db: Database, stores: Stores, clinic: Clinic
) -> None:
    order: list[str] = []

    class Slow(RecordingResponder):
        async def respond(self, conn: AsyncConnection, inbound: InboundContext) -> list[str]:
            # Earlier messages take longer: without the lock they would finish out of order.
            await asyncio.sleep(0.02 * (5 - int(inbound.message.body)))
            order.append(inbound.message.body)
            return []

    pipeline = pipeline_for(db, stores, Slow())
    await asyncio.gather(*(pipeline.receive(sms(str(i), sid=f"SM{i}")) for i in range(5)))
    assert order == ["0", "1", "2", "3", "4"]
    async with db.read() as conn:
        repo = ConversationRepository(conn)
        thread = await repo.find(clinic.org.id, Channel.SMS, PATIENT_PHONE, SMS_NUMBER)
        assert thread is not None
        assert [m.body for m in await repo.messages(thread.id)] == ["0", "1", "2", "3", "4"]


async def test_a_failing_responder_loses_nothing_and_routes_to_the_hub(
    db: Database, stores: Stores, clinic: Clinic
) -> None:
    responder = RecordingResponder(fail=True)
    pipeline = pipeline_for(db, stores, responder)
    result = await pipeline.receive(sms("I need to talk to someone", sid="SMfail"))
    assert result.replies == [] and not result.duplicate
    async with db.read() as conn:
        repo = ConversationRepository(conn)
        thread = await repo.get(result.conversation_id or "")
        assert thread.status is ConversationStatus.OPEN and thread.unread
        assert [m.body for m in await repo.messages(thread.id)] == ["I need to talk to someone"]
    # A provider retry is a duplicate: the message is not stored twice.
    assert (await pipeline.receive(sms("I need to talk to someone", sid="SMfail"))).duplicate
    assert await inbound_count(db) == 1


async def test_hub_responder_reopens_a_closed_thread_unread(
    db: Database, stores: Stores, clinic: Clinic
) -> None:
    pipeline = pipeline_for(db, stores, HubResponder())
    first = await pipeline.receive(sms(sid="SMa"))
    async with db.transaction() as conn:
        await conn.execute(t.conversations.update().values(status="closed", unread=False))
    await pipeline.receive(sms(sid="SMb"))
    async with db.read() as conn:
        thread = await ConversationRepository(conn).get(first.conversation_id or "")
    assert thread.status is ConversationStatus.OPEN and thread.unread
    assert thread.reopened_at is not None


async def test_an_unknown_number_is_refused_and_can_be_retried(
    db: Database, stores: Stores, clinic: Clinic
) -> None:
    pipeline = pipeline_for(db, stores, RecordingResponder())
    with pytest.raises(UnknownRecipient) as caught:
        await pipeline.receive(sms(to="+12025550188", sid="SMx"))
    assert caught.value.to_dict()["error"] == "unknown_recipient"
    assert await inbound_count(db) == 0
    # The claim was released: the same id is processed once the number is known.
    assert not (await pipeline.receive(sms(to=SMS_NUMBER, sid="SMx"))).duplicate


async def test_replies_of_a_channel_without_inline_answers_go_to_the_outbox(
    db: Database, stores: Stores, clinic: Clinic
) -> None:
    envelope = Envelope(channel=Channel.EMAIL, provider_message_id="abc@mail.example",
                        from_address="pat@example.com", to_address="care@clinic.example",
                        text="Can I come earlier?", received_at=datetime.now(UTC),
                        metadata={"subject": "Your visit"})
    pipeline = pipeline_for(db, stores, RecordingResponder(answers=["Sure", "See you"]))
    await pipeline.receive(envelope, inline=False)
    async with db.read() as conn:
        rows = (await conn.execute(sa.select(t.outbox).order_by(t.outbox.c.dedupe_key)))
        outbox = rows.mappings().all()
    assert [(r["body"], r["to_address"], r["channel"]) for r in outbox] == [
        ("Sure", "pat@example.com", "email"), ("See you", "pat@example.com", "email")]
    assert outbox[0]["context"]["subject"] == "Re: Your visit"


async def test_each_message_is_published_for_live_hub_views(
    db: Database, stores: Stores, clinic: Clinic
) -> None:
    pipeline = pipeline_for(db, stores, RecordingResponder())
    async with stores.pubsub.subscribe(f"conversation:{clinic.org.id}") as events:
        result = await pipeline.receive(sms(sid="SMlive"))
        async with asyncio.timeout(2):
            event = await anext(aiter(events))
    assert event["conversation_id"] == result.conversation_id
    assert event["message_id"] == result.message_id


def test_long_texts_are_shortened_not_refused() -> None:
    body = stored_body("x" * 10_000)
    assert len(body) == 4000 and body.endswith("too long to store]")
    assert stored_body("short") == "short"
