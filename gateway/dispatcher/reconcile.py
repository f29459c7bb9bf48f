"""Crash recovery: re-examine rows whose lease expired while claimed.

* No sending marker -- the worker died (or stalled) before calling any provider: the row is
  queued again as it was. After ``max_claims`` such interruptions the row is failed
  ("poison": something about it keeps killing workers).
* Sending marker -- the provider may have the message. This worker takes the lease over (so
  only one worker asks), then asks the provider by idempotency key (the row id): known ->
  sent (or failed, when the provider says so); no trace, or the provider cannot tell ->
  ``unknown``, listed for staff and never sent again by itself. When the provider cannot be
  reached the row keeps its marker and is looked up again after the new lease.

The same pass handles the delivery failures reported since (``failures.py``): retries.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from channels.base import Sender
from domain.model import Channel, OutboxMessage, OutboxState
from domain.storage.repositories import OutboxRepository
from gateway.dispatcher.attempt import LookupFailed, look_up
from gateway.dispatcher.config import DispatcherConfig
from gateway.dispatcher.failures import consume_delivery_failures
from gateway.dispatcher.record import Attempted, FinalHook, Recorder, WriteTx
from gateway.logs import get_logger

__all__ = ["ReconcileReport", "reconcile_expired"]

log = get_logger(__name__)

REQUEUED = "requeued: the previous attempt was interrupted before reaching the provider"
INTERRUPTED = "the send attempt was interrupted (worker stopped or lost its lease)"


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    requeued: int = 0
    poisoned: int = 0
    looked_up: int = 0
    unresolved: int = 0
    delivery_failures: int = 0


async def reconcile_expired(
    write: WriteTx,
    senders: Mapping[Channel, Sender],
    recorder: Recorder,
    *,
    owner: str,
    now: datetime,
    config: DispatcherConfig,
    on_final: FinalHook | None = None,
) -> ReconcileReport:
    """One reconciliation pass (see the module notes).

    Args:
        write: opens a write transaction.
        senders: the worker's senders; rows of other channels are left to other workers.
        recorder: records the look-up outcomes.
        owner: the lease token for rows taken over.
        now: the current time.
        config: lease length, look-up timeout, batch size, poison threshold.
        on_final: metrics hook for rows failed as poison.

    Returns:
        What the pass did.
    """
    async with write() as conn:
        repo = OutboxRepository(conn)
        requeued = await repo.requeue_expired(
            now=now, max_claims=config.max_claims, reason=REQUEUED
        )
        poisoned = await repo.fail_poisoned(
            now=now, max_claims=config.max_claims,
            reason=f"failed: the message was claimed {config.max_claims} times and every "
            "attempt was interrupted before sending",
        )
        taken = await repo.take_over_expired(
            owner=owner, now=now, lease_until=now + config.lease, limit=config.batch_size,
            channels=sorted(c.value for c in senders),
        )
        failures = await consume_delivery_failures(conn, now=now, limit=config.batch_size)
    if on_final is not None:
        for _, channel in poisoned:
            on_final(Channel(channel), OutboxState.FAILED)
    if requeued or poisoned or taken:
        log.warning(
            "dispatcher.expired_leases",
            requeued=len(requeued), poisoned=len(poisoned), reconciling=len(taken),
        )
    unresolved = 0
    if taken:
        results = await asyncio.gather(
            *(_settle(row, senders[row.channel], recorder, config) for row in taken)
        )
        unresolved = results.count(False)
        await recorder.flush()
    return ReconcileReport(len(requeued), len(poisoned), len(taken), unresolved, failures)


async def _settle(
    row: OutboxMessage, sender: Sender, recorder: Recorder, config: DispatcherConfig
) -> bool:
    try:
        outcome = await look_up(sender, row, why=INTERRUPTED, seconds=config.send_timeout)
    except LookupFailed as exc:
        log.warning("dispatcher.lookup_failed", outbox_id=row.id, error=str(exc))
        return False
    recorder.add(Attempted(row, row.body or "", row.from_address, outcome))
    return True
