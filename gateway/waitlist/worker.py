"""The waitlist's background work inside the gateway: events every ``event_interval``
seconds, the sweeps every ``sweep_interval``. Safe to run in every process at once (receipts
and conditional updates make each step happen once)."""

from __future__ import annotations

import asyncio
import contextlib

from domain.clock import Clock
from domain.storage.database import Database
from gateway.logs import get_logger
from gateway.waitlist.deps import WaitlistDeps
from gateway.waitlist.events import consume_events
from gateway.waitlist.sweeps import SweepReport, sweep

__all__ = ["WaitlistWorker"]

log = get_logger(__name__)


class WaitlistWorker:
    """Runs :func:`consume_events` and :func:`sweep` on a timer.

    Args:
        db: the database.
        deps: the services' dependencies.
        clock: the time source.
        event_interval: seconds between looks at new events.
        sweep_interval: seconds between sweeps.
    """

    def __init__(self, db: Database, deps: WaitlistDeps, clock: Clock, *,
                 event_interval: float = 1.0, sweep_interval: float = 30.0) -> None:
        self.db = db
        self.deps = deps
        self.clock = clock
        self.event_interval = event_interval
        self.sweep_interval = sweep_interval
        self._task: asyncio.Task[None] | None = None

    async def run_events(self) -> int:
        """Handle every pending event now; returns how many."""
        total = 0
        while handled := await consume_events(self.db, self.deps, self.clock):
            total += handled
        return total

    async def run_once(self) -> tuple[int, SweepReport]:
        """Events, then a sweep, then the events the sweep caused (tests and the CLI)."""
        events = await self.run_events()
        report = await sweep(self.db, self.clock)
        return events + await self.run_events(), report

    async def _loop(self) -> None:
        since_sweep = self.sweep_interval
        while True:
            try:
                await self.run_events()
                if since_sweep >= self.sweep_interval:
                    await sweep(self.db, self.clock)
                    since_sweep = 0.0
            except Exception:  # the loop must outlive a failing step; it retries next time
                log.exception("waitlist_worker_failed")
            await asyncio.sleep(self.event_interval)
            since_sweep += self.event_interval

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="waitlist-worker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
