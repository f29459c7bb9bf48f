"""The outbox dispatcher: claim due rows, re-check the rules, send, record -- and recover.

One :class:`Dispatcher` runs in ``careline serve`` (embedded) or in each ``careline worker``
process. Its loops:

* **claim** -- claim a batch with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, an
  atomic single statement under one in-process claimer on SQLite), load the facts, decide,
  write the decisions and the sending markers in one transaction, then start the attempts;
* **send** -- each attempt waits for its number's rate-limit token, calls the provider once
  and hands the outcome to the recorder (``record.py``), which writes them in bulk;
* **reconcile** -- rows whose lease expired are queued again when their attempt had not
  started, or settled by a provider look-up when it had (``reconcile.py``);
* **renew** -- every third of a lease, the leases of attempts still running (waiting for a
  rate-limit token or a free connection to a slow provider) are extended.

Nothing is sent twice blindly: a row is only sent after its sending marker was committed
under a live lease, and a row with a marker is never claimed again.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncConnection

from channels.base import Sender
from domain.clock import Clock, SystemClock
from domain.model import Channel, OutboxMessage
from domain.storage.database import Database
from domain.storage.repositories import OutboxRepository
from gateway.dispatcher.attempt import send_once
from gateway.dispatcher.config import DispatcherConfig
from gateway.dispatcher.context import OrgCache, load_batch
from gateway.dispatcher.decide import PolicyFor, delivery_policy
from gateway.dispatcher.events import OutboxEvent
from gateway.dispatcher.pacing import Pacer
from gateway.dispatcher.prepare import Prepared, Ready, prepare_batch
from gateway.dispatcher.reconcile import ReconcileReport, reconcile_expired
from gateway.dispatcher.record import Attempted, FinalHook, Recorder
from gateway.dispatcher.rendering import BodyRenderer, Renderer
from gateway.logs import get_logger
from gateway.stores.ports import PubSub, RateLimiter

__all__ = ["Dispatcher"]

log = get_logger(__name__)


class Dispatcher:
    """A dispatcher worker.

    Args:
        db: the database holding the outbox.
        senders: one Sender per channel this worker sends; rows of other channels are left
            for workers that have them.
        clock: the time source (rules and due times); sleeping uses real time.
        config: tuning (:class:`DispatcherConfig`).
        renderer: renders template rows (default: the row's body only).
        rate_limiter: paces each sending number; ``None`` sends unpaced.
        pubsub: live updates for the Hub (``events.py``).
        worker_id: names this worker in leases (default host:pid).
        policy_for: builds an organisation's delivery policy.
        on_final: called per row reaching a final state (metrics).
    """

    def __init__(
        self,
        db: Database,
        senders: Mapping[Channel, Sender],
        *,
        clock: Clock | None = None,
        config: DispatcherConfig | None = None,
        renderer: Renderer | None = None,
        rate_limiter: RateLimiter | None = None,
        pubsub: PubSub | None = None,
        worker_id: str | None = None,
        policy_for: PolicyFor = delivery_policy,
        on_final: FinalHook | None = None,
    ) -> None:
        self.db = db
        self.senders = dict(senders)
        self.clock = clock or SystemClock()
        self.config = config or DispatcherConfig()
        self.renderer = renderer or BodyRenderer()
        self.worker_id = (worker_id or f"{socket.gethostname()}:{os.getpid()}")[:40]
        self._orgs = OrgCache(policy_for, ttl=self.config.org_cache_ttl)
        self._pacer = Pacer(rate_limiter, hold=self.config.pacing_hold)
        self._on_final = on_final
        self._write_lock = asyncio.Lock() if db.is_sqlite else None
        self.recorder = Recorder(
            self._write, self.clock, self._orgs, pubsub=pubsub, on_final=on_final,
            flush_size=self.config.flush_size, flush_interval=self.config.flush_interval,
        )
        self._slots = asyncio.Semaphore(self.config.send_concurrency)
        self._in_flight = 0
        self._capacity = asyncio.Event()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._recorder_stop = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._owners: Counter[str] = Counter()  # lease token -> attempts still running
        self._loops: list[asyncio.Task[None]] = []

    @property
    def channels(self) -> list[str]:
        return sorted(c.value for c in self.senders)

    def _token(self) -> str:
        return f"{self.worker_id}/{secrets.token_hex(4)}"

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction; on SQLite one at a time per process (a single writer)."""
        if self._write_lock is None:
            async with self.db.transaction() as conn:
                yield conn
            return
        async with self._write_lock, self.db.transaction() as conn:
            yield conn

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the claim, record and reconcile loops in the background."""
        if self._loops:
            return
        self._stopping.clear()
        self._recorder_stop.clear()
        self._loops = [
            asyncio.create_task(self._claim_loop(), name="dispatcher-claim"),
            asyncio.create_task(self._reconcile_loop(), name="dispatcher-reconcile"),
            asyncio.create_task(self._renew_loop(), name="dispatcher-renew"),
            asyncio.create_task(self.recorder.run(self._recorder_stop), name="dispatcher-record"),
        ]
        log.info("dispatcher.started", worker=self.worker_id, channels=self.channels)

    async def stop(self, *, grace: float = 30.0) -> None:
        """Stop claiming, let running attempts finish (up to ``grace`` seconds), record
        their outcomes and stop. Attempts still running then are cancelled; their rows keep
        the sending marker and are reconciled by the next worker."""
        self._stopping.set()
        self._wake.set()
        self._capacity.set()
        loops, self._loops = self._loops, []
        record = loops.pop() if loops else None
        # No new attempts once the claim loop is done; then the running ones may finish.
        await asyncio.gather(*loops, return_exceptions=True)
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._recorder_stop.set()  # the recorder writes what the attempts left, then ends
        if record is not None:
            await asyncio.gather(record, return_exceptions=True)
        log.info("dispatcher.stopped", worker=self.worker_id)

    def notify(self) -> None:
        """Claim now instead of at the next poll (a planner just wrote rows due now)."""
        self._wake.set()

    # -- one step at a time (tests, benchmarks, the loops) ---------------------------------

    async def run_once(self) -> int:
        """Claim one batch, attempt every cleared row, and record everything.

        Returns:
            How many rows were claimed.
        """
        launched = await self._claim_and_launch(self.config.batch_size)
        if launched is not None and launched.tasks:
            await asyncio.gather(*launched.tasks, return_exceptions=True)
        await self.recorder.flush()
        return 0 if launched is None else len(launched.claimed)

    async def drain(self, *, max_batches: int = 10_000) -> int:
        """Run batches until nothing is due. Returns how many rows were claimed."""
        total = 0
        for _ in range(max_batches):
            claimed = await self.run_once()
            if claimed <= 0:
                break
            total += claimed
        return total

    async def reconcile(self) -> ReconcileReport:
        """One pass over expired leases (see ``reconcile.py``)."""
        return await reconcile_expired(
            self._write, self.senders, self.recorder,
            owner=self._token(), now=self.clock.now(), config=self.config,
            on_final=self._on_final,
        )

    # -- loops ------------------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        while not self._stopping.is_set():
            room = min(self.config.batch_size, self.config.max_in_flight - self._in_flight)
            if room <= 0:
                self._capacity.clear()
                await self._capacity.wait()
                continue
            try:
                launched = await self._claim_and_launch(room)
            except Exception:  # leases make any half-done batch recoverable
                log.exception("dispatcher.batch_failed", worker=self.worker_id)
                launched = None
            if launched is None or not launched.claimed:
                await self._idle(self.config.poll_interval)

    async def _reconcile_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.reconcile()
            except Exception:  # try again at the next interval
                log.exception("dispatcher.reconcile_failed", worker=self.worker_id)
            try:
                await asyncio.wait_for(self._stopping.wait(), self.config.reap_interval)
            except TimeoutError:
                pass

    async def _renew_loop(self) -> None:
        """Keep the leases of running attempts alive, so a slow provider or a long pacing
        wait never makes a live attempt look abandoned."""
        every = self.config.lease.total_seconds() / 3
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self._stopping.wait(), every)
            except TimeoutError:
                pass
            try:
                await self.renew_leases()
            except Exception:
                log.exception("dispatcher.renew_failed", worker=self.worker_id)

    async def renew_leases(self) -> int:
        """Extend the leases of this worker's running attempts. Returns the rows renewed."""
        owners = [owner for owner, count in self._owners.items() if count > 0]
        if not owners:
            return 0
        now = self.clock.now()
        async with self._write() as conn:
            return await OutboxRepository(conn).renew_leases(
                owners, now=now, lease_until=now + self.config.lease
            )

    async def _idle(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass
        self._wake.clear()

    # -- a batch ----------------------------------------------------------------------------

    async def _claim_and_launch(self, limit: int) -> _Launched | None:
        if not self.senders:
            return None
        owner = self._token()
        now = self.clock.now()
        async with self._write() as conn:
            rows = await OutboxRepository(conn).claim_due(
                owner=owner, now=now, lease_until=now + self.config.lease, limit=limit,
                channels=self.channels,
            )
        launched = _Launched(rows)
        if not rows:
            return launched
        self._in_flight += len(rows)
        try:
            async with self.db.read() as conn:
                batch = await load_batch(conn, rows, self._orgs, now)
            prepared = await prepare_batch(
                rows, batch, senders=self.senders, renderer=self.renderer, pacer=self._pacer,
                now=now,
            )
            marked = await self._apply(prepared, owner, {r.id: r for r in rows})
        except BaseException:
            self._release_capacity(len(rows))
            raise
        self._release_capacity(len(rows) - len(marked))
        for ready in prepared.ready:
            if ready.row.id in marked:
                launched.tasks.append(self._spawn(ready, owner))
        return launched

    async def _apply(
        self, prepared: Prepared, owner: str, rows: dict[str, OutboxMessage]
    ) -> set[str]:
        now = self.clock.now()
        budget = now + self.config.attempt_budget
        async with self._write() as conn:
            repo = OutboxRepository(conn)
            finished = await repo.finish_claimed(prepared.final, owner=owner, now=now)
            await repo.release(prepared.later, owner=owner, now=now)
            await repo.fill_in(owner, prepared.fill)
            marked = await repo.mark_sending(
                [r.row.id for r in prepared.ready], owner=owner, now=now, lease_floor=budget
            )
        done = [t for t in prepared.final if t.id in finished]
        if done:
            await self.recorder.publish(
                [(rows[t.id].org_id, OutboxEvent(t.id, t.state.value, t.reason)) for t in done]
            )
            if self._on_final is not None:
                for t in done:
                    self._on_final(rows[t.id].channel, t.state)
        return marked

    def _spawn(self, ready: Ready, owner: str) -> asyncio.Task[None]:
        self._owners[owner] += 1
        task = asyncio.create_task(self._attempt(ready, owner))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _attempt(self, ready: Ready, owner: str) -> None:
        try:
            if ready.wait > 0:
                await asyncio.sleep(ready.wait)
            async with self._slots:
                outcome = await send_once(
                    ready.sender, ready.message, ready.row, seconds=self.config.send_timeout
                )
            if outcome is not None:
                self.recorder.add(
                    Attempted(ready.row, ready.message.body, ready.message.from_address, outcome)
                )
        finally:
            self._release_capacity(1)
            self._owners[owner] -= 1
            if self._owners[owner] <= 0:
                del self._owners[owner]

    def _release_capacity(self, count: int) -> None:
        self._in_flight -= count
        self._capacity.set()


@dataclass(slots=True)
class _Launched:
    """The rows a claim took and the attempts it started."""

    claimed: list[OutboxMessage]
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
