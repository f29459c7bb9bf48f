"""The inbound pipeline: each patient message, on every channel, is stored exactly once and handed
to the Responder in arrival order per conversation.

1. The provider message id is claimed in the idempotency store; a duplicate (even a concurrent
   one) is not processed again and gets the stored answer (or nothing while the first copy is
   still being handled). The messages table's unique (channel, direction, provider_id) is the
   durable second line.
2. Our address resolves to an organisation (unknown: ``UnknownRecipient``, a 404).
3. Under the conversation's lock, in one transaction: the thread is found or created, the
   sender's patients are looked up, the message is stored (status ``received``) and only then
   the Responder acts. If the Responder fails, its writes are undone, the message stays
   stored and the thread goes to the Hub (open, unread): in a shared transaction the
   Responder's writes are rolled back to a savepoint of its own; alone in its transaction,
   the whole transaction is rolled back and the message is stored again for the Hub in a
   transaction of its own, as it is when the transaction itself fails. Nothing a patient
   sent is lost, unless the database refuses to store it at all (then the error surfaces).
4. The answer is remembered under the idempotency key and a ``conversation:{org_id}`` event is
   published for live Hub views.

On SQLite (one writer) step 3 goes through a group commit (``_group_commit.py``): the messages
waiting when the writer is free are stored together (``_writes.store_batch``: the same few
statements for one message or thirty), then each one's Responder runs in its own savepoint, in
arrival order, and one COMMIT ends the batch; each request is answered after that COMMIT.
Messages of one conversation never share a batch (the lock is held until the COMMIT), so
their order is the order of the lock. On PostgreSQL each message has a transaction of its
own, and requests run side by side.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.envelope import Envelope
from domain.clock import Clock
from domain.model import (
    Channel,
    Conversation,
    Message,
    MessageKind,
    OutboxMessage,
    new_id,
)
from domain.storage.database import Database
from domain.storage.repositories import OutboxRepository
from gateway.inbound._group_commit import GroupCommit
from gateway.inbound._writes import Arrival, Stored, store_batch, stored_body
from gateway.inbound.addresses import AddressBook, Target
from gateway.inbound.errors import UnknownRecipient
from gateway.inbound.hub_responder import route_to_hub
from gateway.inbound.responder import InboundContext, Responder
from gateway.logs import get_logger
from gateway.metrics import Metrics
from gateway.stores.factory import Stores

__all__ = ["InboundPipeline", "InboundResult", "stored_body"]

log = get_logger(__name__)


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
class _Job:
    """One message for the storing transaction, and what to do once it is stored."""

    arrival: Arrival
    inline: bool
    respond: bool  # False: only store it and route the thread to the Hub (the fallback)


@dataclass(frozen=True, slots=True)
class _Done:
    result: InboundResult
    outcome: str  # the metrics label: handled, routed_to_hub, duplicate


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
        self._counters: dict[tuple[Channel, str], Counter] = {}
        # SQLite has one writer: one task writing batches beats requests taking turns.
        self._group: GroupCommit[_Job, _Done] | None = (
            GroupCommit(db, self._run) if db.is_sqlite else None
        )

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
            done = await self._process(envelope, inline)
        except BaseException as exc:
            await self.stores.idempotency.release(key)
            outcome = "unknown_recipient" if isinstance(exc, UnknownRecipient) else "failed"
            self._count(envelope, outcome)
            raise
        self._count(envelope, done.outcome)
        result = done.result
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

    async def _process(self, envelope: Envelope, inline: bool) -> _Done:
        lock = self.stores.lock
        # Arrival order is decided here: the lock queues waiters first come, first served.
        key = envelope.conversation_key
        async with lock.lock(key, timeout=self.lock_timeout):
            target = self.addresses.cached(envelope)
            if target is None:
                async with self.db.read() as conn:
                    target = await self.addresses.resolve(conn, envelope)
            thread_key = target.lock_key(envelope)
            if thread_key == key:
                return await self._store_and_act(envelope, target, inline)
            # An email reply tied to another thread: that thread's lock too.
            async with lock.lock(thread_key, timeout=self.lock_timeout):
                return await self._store_and_act(envelope, target, inline)

    async def _store_and_act(self, envelope: Envelope, target: Target, inline: bool) -> _Done:
        arrival = Arrival(envelope, target, self.clock.now())
        try:
            return await self._transact(_Job(arrival, inline, respond=True))
        except Exception:
            log.exception("inbound_failed", channel=envelope.channel.value,
                          provider_id=envelope.provider_message_id)
            # The transaction failed and everything it wrote was rolled back: store the
            # message in a transaction of its own, for staff to see.
            return await self._transact(_Job(arrival, inline, respond=False))

    async def _transact(self, job: _Job) -> _Done:
        """Run ``job`` in a committed transaction: the group commit's, or one of its own."""
        if self._group is not None:
            return await self._group.submit(job)
        async with self.db.transaction() as conn:
            (done,) = await self._run(conn, [job], alone=True)
        if isinstance(done, Exception):
            raise done
        return done

    async def _run(
        self, conn: AsyncConnection, jobs: Sequence[_Job], *, alone: bool = False
    ) -> list[_Done | Exception]:
        """Store the messages of ``jobs``, then act on each in order.

        In a shared transaction (``alone`` False) each one acts in a savepoint, so that a
        failure undoes its own writes only. Alone in its transaction, a failure rolls back the
        whole transaction instead (no savepoint to pay for), and ``_process`` stores the message
        again for the Hub.
        """
        # The group commit's transactions begin with BEGIN IMMEDIATE: locked from the start.
        stored = await self._store(conn, jobs, locked=not alone)
        done: list[_Done | Exception] = []
        for job, row in zip(jobs, stored, strict=True):
            if row is None:
                done.append(_Done(InboundResult(duplicate=True), "duplicate"))
            elif isinstance(row, Exception):
                done.append(row)
            elif alone:
                done.append(await self._act(conn, job, row))
            elif job.respond:
                done.append(await self._respond(conn, job, row))
            else:
                done.append(await self._to_hub(conn, job, row))
        return done

    async def _act(self, conn: AsyncConnection, job: _Job, stored: Stored) -> _Done:
        """Respond (or route to the Hub) with nothing to catch: errors end the transaction."""
        if not job.respond:
            await route_to_hub(conn, stored.conversation, job.arrival.now)
            return _Done(_result(stored, []), "routed_to_hub")
        replies = await self._replies(conn, job, stored)
        return _Done(_result(stored, replies), "handled")

    async def _store(
        self, conn: AsyncConnection, jobs: Sequence[_Job], *, locked: bool
    ) -> Sequence[Stored | Exception | None]:
        arrivals = [job.arrival for job in jobs]
        if len(arrivals) == 1:
            return await store_batch(self.db, conn, arrivals, locked=locked)
        try:
            async with self.db.savepoint(conn):
                return await store_batch(self.db, conn, arrivals, locked=locked)
        except Exception:
            # One message the database refuses must not fail the others: store one by one.
            log.warning("inbound_batch_store_failed", size=len(arrivals), exc_info=True)
        alone: list[Stored | Exception | None] = []
        for arrival in arrivals:
            try:
                async with self.db.savepoint(conn):
                    alone.extend(await store_batch(self.db, conn, [arrival], locked=locked))
            except Exception as exc:
                alone.append(exc)
        return alone

    async def _respond(self, conn: AsyncConnection, job: _Job, stored: Stored) -> _Done | Exception:
        try:
            async with self.db.savepoint(conn):
                replies = await self._replies(conn, job, stored)
        except Exception:
            envelope = job.arrival.envelope
            log.exception("inbound_responder_failed", channel=envelope.channel.value,
                          provider_id=envelope.provider_message_id)
            # Its writes are rolled back to the savepoint; the message stays, for staff to see.
            return await self._to_hub(conn, job, stored)
        return _Done(_result(stored, replies), "handled")

    async def _replies(self, conn: AsyncConnection, job: _Job, stored: Stored) -> list[str]:
        """The Responder's answers to a stored message (queued in the outbox when the channel
        does not answer inline)."""
        arrival = job.arrival
        ctx = InboundContext(
            org=arrival.target.org, conversation=stored.conversation, message=stored.message,
            envelope=arrival.envelope, patients=stored.patients,
            conversation_created=stored.created, now=arrival.now,
        )
        replies = [r for r in await self.responder.respond(conn, ctx) if r]
        if replies and not job.inline:
            await self._enqueue_replies(conn, arrival.envelope, stored.conversation,
                                        stored.message, replies, arrival.now)
        return replies

    async def _to_hub(self, conn: AsyncConnection, job: _Job, stored: Stored) -> _Done | Exception:
        try:
            async with self.db.savepoint(conn):
                await route_to_hub(conn, stored.conversation, job.arrival.now)
        except Exception as exc:
            return exc
        return _Done(_result(stored, []), "routed_to_hub")

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
        key = (envelope.channel, outcome)
        counter = self._counters.get(key)
        if counter is None:  # labels() is a lookup under a lock: once per pair is enough
            counter = self._counters[key] = self.metrics.inbound.labels(
                envelope.channel.value, outcome)
        counter.inc()


def _result(stored: Stored, replies: list[str]) -> InboundResult:
    thread = stored.conversation
    return InboundResult(replies, False, thread.org_id, thread.id, stored.message.id)
