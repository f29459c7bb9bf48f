"""Record the outcomes of send attempts in bulk: outbox state, Hub messages, retries, events.

A row's ``context["author_id"]`` (the staff user who wrote it) is copied to its Hub message.

Outcomes wait up to ``flush_interval`` seconds (or ``flush_size`` outcomes) and are written in
one transaction; a failed write keeps them for the next flush. Until an outcome is written
its row stays claimed with the sending marker, so a crash in between is reconciled by a
provider look-up, never repeated blindly.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.clock import Clock
from domain.model import (
    MAX_BODY,
    Channel,
    MessageDirection,
    MessageStatus,
    OutboxMessage,
    OutboxState,
    new_id,
)
from domain.storage.repositories import OutboxRepository
from domain.storage.repositories.outbox import Transition
from gateway.dispatcher._threads import ThreadKey, add_messages, ensure_threads
from gateway.dispatcher.context import OrgCache
from gateway.dispatcher.events import OutboxEvent, outbox_channel, outbox_message
from gateway.dispatcher.prompts import open_reminder_prompts
from gateway.dispatcher.retry import Failure, transient_delay
from gateway.dispatcher.retrying import schedule_retry
from gateway.logs import get_logger
from gateway.stores.ports import PubSub

__all__ = ["Attempted", "FinalHook", "Outcome", "OutcomeKind", "Recorder", "WriteTx"]

log = get_logger(__name__)

WriteTx = Callable[[], AbstractAsyncContextManager[AsyncConnection]]
FinalHook = Callable[[Channel, OutboxState], None]
"""Called once per row that reached a state after an attempt (metrics)."""


class OutcomeKind(StrEnum):
    SENT = "sent"
    REFUSED = "refused"
    UNDELIVERED = "undelivered"
    TRANSIENT = "transient"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one send attempt."""

    kind: OutcomeKind
    reason: str | None = None
    code: str | None = None
    provider_id: str | None = None
    status: MessageStatus = MessageStatus.SENT


@dataclass(frozen=True, slots=True)
class Attempted:
    """A row whose attempt ended: what was sent, from where, and how it went."""

    row: OutboxMessage
    body: str
    from_address: str | None
    outcome: Outcome


_FAILURES = {OutcomeKind.REFUSED: Failure.REFUSED, OutcomeKind.UNDELIVERED: Failure.UNDELIVERED}
_MESSAGE_STATUS = {
    OutboxState.FAILED: MessageStatus.FAILED,
    OutboxState.UNKNOWN: MessageStatus.UNKNOWN,
}


def _code(outcome: Outcome) -> str:
    return f" (error {outcome.code})" if outcome.code else ""


class Recorder:
    """Collects :class:`Attempted` items and writes them in batches."""

    def __init__(
        self,
        write: WriteTx,
        clock: Clock,
        orgs: OrgCache,
        *,
        pubsub: PubSub | None = None,
        on_final: FinalHook | None = None,
        flush_size: int = 400,
        flush_interval: float = 0.05,
    ) -> None:
        self._write = write
        self._clock = clock
        self._orgs = orgs
        self._pubsub = pubsub
        self._on_final = on_final
        self._flush_size = flush_size
        self._flush_interval = flush_interval
        self._pending: list[Attempted] = []
        self._wake = asyncio.Event()
        self._flushing = asyncio.Lock()

    @property
    def backlog(self) -> int:
        """Outcomes not written yet."""
        return len(self._pending)

    def add(self, item: Attempted) -> None:
        """Queue an outcome for the next flush."""
        self._pending.append(item)
        if len(self._pending) >= self._flush_size:
            self._wake.set()

    async def run(self, stopping: asyncio.Event) -> None:
        """Flush periodically until ``stopping`` is set, then flush what is left."""
        while not stopping.is_set():
            try:
                await asyncio.wait_for(self._wake.wait(), self._flush_interval)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("dispatcher.record_failed", backlog=self.backlog)
                await asyncio.sleep(min(1.0, self._flush_interval * 10))
        try:
            await self.flush()
        except Exception:
            # the rows keep their sending marker: the next worker settles them by look-up
            log.exception("dispatcher.record_failed_at_stop", backlog=self.backlog)

    async def flush(self) -> int:
        """Write every queued outcome (in transactions of ``flush_size``). Returns how many.

        A chunk that cannot be written is retried one outcome at a time, so one bad row (say,
        a Hub message that its conversation refuses) cannot hold up the others: that row's
        state is still recorded, without its Hub message and retry. When even that fails
        the database is unreachable; everything stays queued for the next flush.
        """
        written = 0
        async with self._flushing:
            while self._pending:
                chunk = self._pending[: self._flush_size]
                try:
                    events = await self._write_chunk(chunk)
                except Exception as exc:
                    log.warning("dispatcher.record_chunk_failed", size=len(chunk), error=repr(exc))
                    events = await self._one_by_one(chunk)
                del self._pending[: len(chunk)]
                written += len(chunk)
                await self.publish(events)
        return written

    async def _one_by_one(self, chunk: Sequence[Attempted]) -> list[tuple[str, OutboxEvent]]:
        events: list[tuple[str, OutboxEvent]] = []
        for item in chunk:
            try:
                events += await self._write_chunk([item])
            except Exception as exc:
                log.error("dispatcher.record_item_failed", outbox_id=item.row.id, error=repr(exc))
                events += await self._write_chunk([item], bare=True)
        return events

    async def _write_chunk(
        self, chunk: Sequence[Attempted], *, bare: bool = False
    ) -> list[tuple[str, OutboxEvent]]:
        now = self._clock.now()
        async with self._write() as conn:
            transitions = [await self._transition(conn, item, now) for item in chunk]
            changed = await OutboxRepository(conn).record_attempts(transitions, now=now)
            done = [
                (item, tr) for item, tr in zip(chunk, transitions, strict=True) if tr.id in changed
            ]
            final = [(item, tr) for item, tr in done if tr.state is not OutboxState.PENDING]
            if bare:
                final = []
            message_ids = await self._messages(conn, final, now)
            await open_reminder_prompts(
                conn,
                [
                    (item.row, message_ids[tr.id][0])
                    for item, tr in final
                    if tr.state is OutboxState.SENT and tr.id in message_ids
                ],
                self._orgs,
                now,
            )
            for item, tr in final:
                failure = _FAILURES.get(item.outcome.kind)
                if tr.state is OutboxState.FAILED and failure is None:
                    failure = Failure.EXHAUSTED
                if failure is not None:
                    await schedule_retry(
                        conn, item.row, failure, item.outcome.code, now=now, body=item.body
                    )
        events: list[tuple[str, OutboxEvent]] = []
        for item, tr in done:
            if tr.state is not OutboxState.PENDING and self._on_final is not None:
                self._on_final(item.row.channel, tr.state)
            conversation_id, message_id = message_ids.get(tr.id, (None, None))
            events.append(
                (
                    item.row.org_id,
                    OutboxEvent(tr.id, tr.state.value, tr.reason, conversation_id, message_id),
                )
            )
        return events

    async def _transition(
        self, conn: AsyncConnection, item: Attempted, now: datetime
    ) -> Transition:
        row, outcome = item.row, item.outcome
        if outcome.kind is OutcomeKind.SENT:
            return Transition(
                row.id, OutboxState.SENT, None, provider_id=outcome.provider_id, sent_at=now
            )
        if outcome.kind is OutcomeKind.UNKNOWN:
            return Transition(row.id, OutboxState.UNKNOWN, f"unknown: {outcome.reason}")
        if outcome.kind is OutcomeKind.TRANSIENT:
            settings = (await self._orgs.get(conn, row.org_id)).retry
            delay = transient_delay(row.attempts, settings)
            if delay is not None:
                return Transition(
                    row.id, OutboxState.PENDING,
                    f"transient: {outcome.reason}{_code(outcome)}; attempt {row.attempts} "
                    f"of {settings.transient_limit}, next in {int(delay.total_seconds())} s",
                    due_at=now + delay,
                )
            return Transition(
                row.id, OutboxState.FAILED,
                f"failed: gave up after {row.attempts} attempts; last error: "
                f"{outcome.reason}{_code(outcome)}",
            )
        return Transition(
            row.id, OutboxState.FAILED,
            f"{outcome.kind.value}: {outcome.reason}{_code(outcome)}",
        )

    async def _messages(
        self,
        conn: AsyncConnection,
        final: Sequence[tuple[Attempted, Transition]],
        now: datetime,
    ) -> dict[str, tuple[str, str]]:
        keys = {
            item.row.id: ThreadKey(
                item.row.org_id, item.row.channel, item.row.to_address,
                item.from_address or "", item.row.patient_id, item.row.facility_id,
            )
            for item, _ in final
            if item.row.conversation_id is None
        }
        threads = await ensure_threads(conn, list(keys.values()), now=now) if keys else {}
        rows: list[dict[str, Any]] = []
        for item, tr in final:
            row = item.row
            conversation_id = (
                row.conversation_id
                if row.conversation_id is not None
                else threads[keys[row.id].identity]
            )
            sent = tr.state is OutboxState.SENT
            status = item.outcome.status if sent else _MESSAGE_STATUS[tr.state]
            rows.append({
                "id": new_id(),
                "org_id": row.org_id,
                "conversation_id": conversation_id,
                "direction": MessageDirection.OUTBOUND.value,
                "channel": row.channel.value,
                "body": item.body[:MAX_BODY],
                "media": [],
                "status": status.value,
                "provider_id": item.outcome.provider_id,
                "template_key": row.template_key,
                "author_id": _author(row),
                "facility_id": row.facility_id,
                "error_code": item.outcome.code,
                "outbox_id": row.id,
                "created_at": now,
                "sent_at": now if sent else None,
                "delivered_at": None,
            })
        await add_messages(conn, rows)
        return {r["outbox_id"]: (r["conversation_id"], r["id"]) for r in rows}

    async def publish(self, events: Sequence[tuple[str, OutboxEvent]]) -> None:
        """Announce ``(org_id, event)`` pairs on pub/sub (best effort)."""
        if self._pubsub is None or not events:
            return
        by_org: dict[str, list[OutboxEvent]] = defaultdict(list)
        for org_id, event in events:
            by_org[org_id].append(event)
        for org_id, items in by_org.items():
            try:
                await self._pubsub.publish(outbox_channel(org_id), outbox_message(org_id, items))
            except Exception:
                log.warning("dispatcher.publish_failed", org_id=org_id, exc_info=True)


def _author(row: OutboxMessage) -> str | None:
    value = row.context.get("author_id")
    return value if isinstance(value, str) else None
