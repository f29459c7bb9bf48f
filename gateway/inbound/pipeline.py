"""The inbound pipeline: each patient message, on every channel, is stored exactly once and handed
to the Responder in arrival order per conversation.

1. The provider message id is claimed in the idempotency store; a duplicate (even a concurrent
   one) is not processed again and gets the stored answer (or nothing while the first copy is
   still being handled). The messages table's unique (channel, direction, provider_id) is the
   durable second line.
2. Our address resolves to an organisation (unknown: ``UnknownRecipient``, a 404).
3. Under the conversation's lock, in one transaction: the thread is found or created, the
   sender's patients are looked up, the message is stored (status ``received``) and only then
   the Responder acts, inside a savepoint. If the Responder fails, its writes are rolled back,
   the message stays stored and the thread goes to the Hub (open, unread). If even that
   transaction fails, the message is stored in a transaction of its own before the error
   surfaces, so nothing a patient sent is lost.
4. The answer is remembered under the idempotency key and a ``conversation:{org_id}`` event is
   published for live Hub views.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncConnection

from channels.envelope import Envelope
from domain.clock import Clock
from domain.model import (
    MAX_BODY,
    Channel,
    Conversation,
    Message,
    MessageDirection,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    Patient,
    new_id,
)
from domain.storage.database import Database
from domain.storage.repositories import (
    ConversationRepository,
    OutboxRepository,
    PatientRepository,
)
from gateway.inbound._writes import insert_new, touch_thread
from gateway.inbound.addresses import AddressBook, Target
from gateway.inbound.errors import UnknownRecipient
from gateway.inbound.hub_responder import route_to_hub
from gateway.inbound.responder import InboundContext, Responder
from gateway.logs import get_logger
from gateway.metrics import Metrics
from gateway.stores.factory import Stores

__all__ = ["InboundPipeline", "InboundResult", "stored_body"]

log = get_logger(__name__)

_TRUNCATED = "\n[… message shortened by Careline: the full text was too long to store]"


@dataclass(frozen=True, slots=True)
class InboundResult:
    """What became of one inbound message.

    Attributes:
        replies: texts to answer with at once, in order (for a duplicate: the first copy's
            answer when it is known, else nothing).
        duplicate: the message had been received before and was not processed again.
        org_id, conversation_id, message_id: where it was stored (None for duplicates).
    """

    replies: list[str] = field(default_factory=list)
    duplicate: bool = False
    org_id: str | None = None
    conversation_id: str | None = None
    message_id: str | None = None


@dataclass(frozen=True, slots=True)
class _Known:
    """What the pipeline read before writing: the sender's patients and the thread, if any."""

    patients: tuple[Patient, ...]
    thread: Conversation | None


def stored_body(text: str) -> str:
    """The text as stored: long texts are shortened with a note, never refused."""
    if len(text) <= MAX_BODY:
        return text
    return text[: MAX_BODY - len(_TRUNCATED)] + _TRUNCATED


class InboundPipeline:
    """Receives normalised envelopes from every channel.

    Args:
        db: the database.
        stores: lock, idempotency store and pub/sub.
        clock: the time source.
        responder: acts on stored messages (the dialog manager; HubResponder by default).
            The attribute may be replaced before the first message arrives.
        metrics: counts inbound messages by channel and outcome.
        addresses: resolves our addresses to organisations.
        lock_timeout: seconds to wait for a conversation's lock.
        claim_ttl: seconds a claimed provider id stays claimed if this process dies.
        answer_ttl: seconds a handled provider id (and its answer) is remembered.
    """

    def __init__(
        self,
        db: Database,
        stores: Stores,
        clock: Clock,
        responder: Responder,
        metrics: Metrics,
        *,
        addresses: AddressBook | None = None,
        lock_timeout: float = 10.0,
        claim_ttl: float = 120.0,
        answer_ttl: float = 3 * 24 * 3600.0,
    ) -> None:
        self.db = db
        self.stores = stores
        self.clock = clock
        self.responder = responder
        self.metrics = metrics
        self.addresses = addresses or AddressBook(inbound_email_domain="careline.invalid")
        self.lock_timeout = lock_timeout
        self.claim_ttl = claim_ttl
        self.answer_ttl = answer_ttl
        # SQLite has one writer: queueing our write transactions here is far faster than
        # letting them collide in SQLite's busy handler (which sleeps) or fail to upgrade.
        self._write_gate: asyncio.Lock | None = asyncio.Lock() if db.is_sqlite else None

    async def receive(self, envelope: Envelope, *, inline: bool = True) -> InboundResult:
        """Store and handle one inbound message, exactly once.

        Args:
            envelope: the normalised message.
            inline: the channel delivers the returned replies itself (TwiML, widget frames).
                When False the replies are also written to the outbox, in the same
                transaction, for the dispatcher to send (email).

        Returns:
            the replies to deliver and where the message was stored.

        Raises:
            UnknownRecipient: no organisation owns ``envelope.to_address``.
            LockTimeout: the conversation stayed busy for ``lock_timeout`` seconds.
        """
        key = envelope.idempotency_key
        if not await self.stores.idempotency.claim(key, self.claim_ttl):
            return await self._duplicate(envelope)
        try:
            result = await self._process(envelope, inline)
        except BaseException as exc:
            await self.stores.idempotency.release(key)
            outcome = "unknown_recipient" if isinstance(exc, UnknownRecipient) else "failed"
            self._count(envelope, outcome)
            raise
        await self.stores.idempotency.complete(
            key, json.dumps(result.replies).encode(), self.answer_ttl
        )
        if not result.duplicate:
            await self._publish(envelope, result)
        return result

    async def _duplicate(self, envelope: Envelope) -> InboundResult:
        self._count(envelope, "duplicate")
        stored = await self.stores.idempotency.result(envelope.idempotency_key)
        replies: list[str] = []
        if stored:
            try:
                decoded = json.loads(stored)
            except ValueError:
                decoded = []
            if isinstance(decoded, list):
                replies = [r for r in decoded if isinstance(r, str)]
        return InboundResult(replies, duplicate=True)

    async def _process(self, envelope: Envelope, inline: bool) -> InboundResult:
        lock = self.stores.lock
        async with contextlib.AsyncExitStack() as held:
            # Arrival order is decided here: the lock queues waiters first come, first served.
            key = envelope.conversation_key
            await held.enter_async_context(lock.lock(key, timeout=self.lock_timeout))
            target = self.addresses.cached(envelope)
            if target is None:
                async with self.db.read() as conn:
                    target = await self.addresses.resolve(conn, envelope)
            if target.lock_key(envelope) != key:  # an email reply tied to another thread
                thread_key = target.lock_key(envelope)
                await held.enter_async_context(lock.lock(thread_key, timeout=self.lock_timeout))
            known = await self._lookup(envelope, target)
            now = self.clock.now()
            try:
                return await self._store_and_respond(envelope, target, known, now, inline)
            except Exception:
                log.exception("inbound_failed", channel=envelope.channel.value,
                              provider_id=envelope.provider_message_id)
                # The responder (or storage) failed and everything it wrote was rolled back:
                # store the message in a transaction of its own, for staff to see.
                return await self._store_for_hub(envelope, target, known, now)

    async def _lookup(self, envelope: Envelope, target: Target) -> _Known:
        """Reads done before the write transaction (on SQLite they run beside the writer)."""
        async with self.db.read() as conn:
            found = await PatientRepository(conn).find_by_address(
                target.org.id, envelope.from_address
            )
            repo = ConversationRepository(conn)
            thread: Conversation | None
            if target.conversation is not None:
                thread = await repo.get(target.conversation.id)
            else:
                thread = await repo.find(target.org.id, envelope.channel,
                                         envelope.from_address, envelope.to_address)
        return _Known(tuple(found), thread)

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        if self._write_gate is None:
            yield
            return
        async with self._write_gate:
            yield

    async def _store_and_respond(
        self, envelope: Envelope, target: Target, known: _Known, now: datetime, inline: bool
    ) -> InboundResult:
        async with self._writing(), self.db.transaction() as conn:
            stored = await self._store(conn, envelope, target, known, now)
            if stored is None:
                self._count(envelope, "duplicate")
                return InboundResult(duplicate=True)
            conversation, message, ctx = stored
            replies = [r for r in await self.responder.respond(conn, ctx) if r]
            if replies and not inline:
                await self._enqueue_replies(conn, envelope, conversation, message, replies, now)
        self._count(envelope, "handled")
        return InboundResult(replies, False, target.org.id, conversation.id, message.id)

    async def _store_for_hub(
        self, envelope: Envelope, target: Target, known: _Known, now: datetime
    ) -> InboundResult:
        async with self._writing(), self.db.transaction() as conn:
            stored = await self._store(conn, envelope, target, known, now)
            if stored is None:
                return InboundResult(duplicate=True)
            conversation, message, _ = stored
            await route_to_hub(conn, conversation, now)
        self._count(envelope, "routed_to_hub")
        return InboundResult([], False, target.org.id, conversation.id, message.id)

    async def _store(
        self, conn: AsyncConnection, envelope: Envelope, target: Target, known: _Known,
        now: datetime,
    ) -> tuple[Conversation, Message, InboundContext] | None:
        """Create the thread if new and store the message; None when already stored."""
        org, patients = target.org, known.patients
        created = False
        conversation = known.thread
        if conversation is None:
            only = patients[0] if len(patients) == 1 else None
            new_thread = Conversation(
                id=new_id(), org_id=org.id, channel=envelope.channel,
                patient_address=envelope.from_address, careline_address=envelope.to_address,
                patient_id=only.id if only else None,
                facility_id=only.primary_facility_id if only else None,
                created_at=now, last_message_at=now, unread=False,
            )
            created = await insert_new(conn, new_thread)
            # Not inserted: another process created it a moment ago; use theirs.
            conversation = new_thread if created else await ConversationRepository(conn).find(
                org.id, envelope.channel, envelope.from_address, envelope.to_address)
            assert conversation is not None
        message = Message(
            id=new_id(),
            org_id=org.id,
            conversation_id=conversation.id,
            direction=MessageDirection.INBOUND,
            channel=envelope.channel,
            body=stored_body(envelope.text),
            status=MessageStatus.RECEIVED,
            created_at=now,
            media=envelope.media,
            provider_id=envelope.provider_message_id,
        )
        if not await insert_new(conn, message):
            return None
        if not created:
            await touch_thread(conn, conversation.id, now)
            conversation = replace(conversation, last_message_at=now)
        ctx = InboundContext(
            org=org,
            conversation=conversation,
            message=message,
            envelope=envelope,
            patients=patients,
            conversation_created=created,
            now=now,
        )
        return conversation, message, ctx

    @staticmethod
    async def _enqueue_replies(
        conn: AsyncConnection,
        envelope: Envelope,
        conversation: Conversation,
        message: Message,
        replies: list[str],
        now: datetime,
    ) -> None:
        subject = str(envelope.metadata.get("subject") or "")
        context: dict[str, object] = {
            "in_reply_to": envelope.provider_message_id,
            "reply_to_message_id": message.id,
            "recorded_by_responder": True,
        }
        if envelope.channel is Channel.EMAIL:
            context["subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        rows = [
            OutboxMessage(
                id=new_id(),
                org_id=conversation.org_id,
                dedupe_key=f"reply:{message.id}:{index}",
                kind=MessageKind.TRANSACTIONAL,
                channel=envelope.channel,
                to_address=conversation.patient_address,
                from_address=conversation.careline_address,
                conversation_id=conversation.id,
                facility_id=conversation.facility_id,
                body=reply,
                context=context,
                due_at=now,
                created_at=now,
            )
            for index, reply in enumerate(replies)
        ]
        await OutboxRepository(conn).add_many(rows)

    async def _publish(self, envelope: Envelope, result: InboundResult) -> None:
        if result.org_id is None:
            return
        event = {
            "type": "message",
            "direction": "inbound",
            "channel": envelope.channel.value,
            "conversation_id": result.conversation_id,
            "message_id": result.message_id,
        }
        try:
            await self.stores.pubsub.publish(f"conversation:{result.org_id}", event)
        except Exception:
            log.warning("publish_failed", conversation_id=result.conversation_id)

    def _count(self, envelope: Envelope, outcome: str) -> None:
        self.metrics.inbound.labels(envelope.channel.value, outcome).inc()
