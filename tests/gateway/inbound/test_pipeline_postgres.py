"""The inbound pipeline on PostgreSQL: a transaction per message, side by side; the same
guarantees as on SQLite. (Needs the PostgreSQL of tests/conftest.py; skips without it.)"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from prometheus_client import CollectorRegistry
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.envelope import Envelope
from domain.clock import SystemClock
from domain.model import Channel, ConversationStatus, new_id
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import ConversationRepository
from domain.storage.tables import metadata
from gateway.inbound.addresses import AddressBook
from gateway.inbound.pipeline import InboundPipeline
from gateway.inbound.responder import InboundContext
from gateway.metrics import Metrics
from gateway.stores.factory import build_stores
from tests.gateway.webhooks.appkit import (
    INBOUND_DOMAIN,
    SMS_NUMBER,
    RecordingResponder,
    ensure_channel_tables,
    seed_clinic,
)

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
async def db(postgres_url: str) -> AsyncIterator[Database]:
    database = Database(postgres_url, pool_size=5)
    async with database.engine.begin() as conn:
        await conn.run_sync(lambda c: metadata.drop_all(c))
        await conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    await database.upgrade()
    await ensure_channel_tables(database)
    await seed_clinic(database)
    yield database
    await database.dispose()


class Breaking(RecordingResponder):
    """Writes, then runs a statement PostgreSQL refuses (which aborts a transaction that has
    no savepoint to go back to); answers otherwise."""

    async def respond(self, conn: AsyncConnection, inbound: InboundContext) -> list[str]:
        self.seen.append(inbound)
        event = {"id": new_id(), "org_id": inbound.org.id, "kind": "echo",
                 "payload": {"body": inbound.message.body}, "created_at": inbound.now}
        await conn.execute(t.domain_events.insert().values(**event))
        if inbound.message.body == "boom":
            await conn.execute(t.domain_events.insert().values(**event))  # the same id again
        return [f"echo {inbound.message.body}"]


def sms(text: str, sid: str, sender: str) -> Envelope:
    return Envelope(channel=Channel.SMS, provider_message_id=sid, from_address=sender,
                    to_address=SMS_NUMBER, text=text, received_at=datetime.now(UTC))


async def test_postgres_keeps_the_guarantees(db: Database) -> None:
    stores = build_stores(None)
    responder = Breaking()
    pipeline = InboundPipeline(db, stores, SystemClock(), responder,
                               Metrics(CollectorRegistry()),
                               addresses=AddressBook(inbound_email_domain=INBOUND_DOMAIN))
    try:
        copies = await asyncio.gather(*(pipeline.receive(sms("yes", "SM" + "a" * 32,
                                                             "+16465550001"))
                                        for _ in range(3)))
        others = await asyncio.gather(*(pipeline.receive(sms(body, f"SM{i:032x}",
                                                             f"+1646555{i:04d}"))
                                        for i, body in enumerate(["a", "boom", "b"], 10)))
    finally:
        await stores.close()
    assert sum(not r.duplicate for r in copies) == 1
    assert [r.replies for r in others] == [["echo a"], [], ["echo b"]]
    async with db.read() as conn:
        events = (await conn.execute(sa.select(t.domain_events.c.payload))).scalars().all()
        bodies = (await conn.execute(sa.select(t.messages.c.body))).scalars().all()
        thread = await ConversationRepository(conn).get(others[1].conversation_id or "")
    assert sorted(e["body"] for e in events) == ["a", "b", "yes"]
    assert sorted(bodies) == ["a", "b", "boom", "yes"]
    assert thread.status is ConversationStatus.OPEN and thread.unread
