"""Group commit for SQLite: one writer task runs the units of work that requests queue, several
in one transaction, and answers each request only after that transaction has committed.

SQLite has a single writer. Requests that each open their own write transaction wait for one
another anyway, and each pays for its own BEGIN, COMMIT and a turn of the event loop per
statement. Here the units waiting when the writer is free go together: the batch runs in one
``BEGIN IMMEDIATE`` ... ``COMMIT`` (IMMEDIATE takes the write lock up front, so a transaction
that reads first cannot fail to upgrade later), and the runner may combine their statements.
A unit's result, or its own error, reaches its caller after the COMMIT; an error of the batch
as a whole (the COMMIT failed, the runner raised) reaches every caller of the batch.

Units run in the writer task (in a context of its own, not their callers'): a caller that
gives up (is cancelled) before its unit's turn is skipped; once its batch has started, the unit
runs and commits all the same. The writer task exists only while there is work: it is started
by the first unit queued and ends when the queue is empty, so there is nothing to stop when
the application closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.storage.database import Database, begin_writing
from gateway.logs import get_logger

__all__ = ["GroupCommit"]

log = get_logger(__name__)

U = TypeVar("U")
R = TypeVar("R")

Runner = Callable[[AsyncConnection, Sequence[U]], Awaitable[Sequence[R | Exception]]]


class GroupCommit(Generic[U, R]):
    """Runs queued units of work in shared transactions, one batch at a time, in queue order.

    Args:
        db: the (SQLite) database.
        run: runs a batch of units on the open transaction and returns, in order, each unit's
            result or the exception that failed it alone (the runner isolates units, e.g. with
            savepoints). Raising fails the whole batch, which is then rolled back.
        max_batch: most units in one transaction (each caller waits for its whole batch).
    """

    def __init__(self, db: Database, run: Runner[U, R], *, max_batch: int = 32) -> None:
        self.db = db
        self.run = run
        self.max_batch = max_batch
        self._queue: deque[tuple[U, asyncio.Future[R]]] = deque()
        self._writer: asyncio.Task[None] | None = None
        self.batches = 0
        """Transactions committed or attempted so far (for tests and metrics)."""

    async def submit(self, unit: U) -> R:
        """Queue ``unit`` and wait until its batch has committed.

        Returns:
            the unit's result.

        Raises:
            Exception: the unit's own error, or the error that failed its batch.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._queue.append((unit, future))
        if self._writer is None:
            # A context of its own: not that of whichever request happened to start it.
            self._writer = loop.create_task(self._drain(), name="sqlite-group-commit",
                                            context=contextvars.Context())
        return await future

    async def _drain(self) -> None:
        try:
            while self._queue:
                conn = self.db.engine.connect()
                try:
                    await conn.start()
                except Exception as exc:  # no connection: fail what is queued now
                    log.warning("group_commit_cannot_connect", error=str(exc))
                    self._fail_queued(exc)
                    continue
                try:
                    first = True  # this connection's first batch sets it up as a writer's
                    while self._queue:
                        batch = self._next_batch()
                        if not batch:
                            continue
                        if not await self._commit(conn, batch, first=first):
                            break  # the batch failed: go on with a fresh connection
                        first = False
                finally:
                    with contextlib.suppress(Exception):
                        await conn.close()
        finally:
            self._writer = None
            self._fail_queued(None)  # only when cancelled: the loop is closing

    def _next_batch(self) -> list[tuple[U, asyncio.Future[R]]]:
        batch: list[tuple[U, asyncio.Future[R]]] = []
        while self._queue and len(batch) < self.max_batch:
            unit, future = self._queue.popleft()
            if not future.done():  # a caller that gave up before its turn is skipped
                batch.append((unit, future))
        return batch

    def _fail_queued(self, exc: Exception | None) -> None:
        while self._queue:
            _, future = self._queue.popleft()
            if future.done():
                continue
            if exc is None:
                future.cancel()
            else:
                future.set_exception(exc)

    async def _commit(
        self, conn: AsyncConnection, batch: list[tuple[U, asyncio.Future[R]]], *, first: bool
    ) -> bool:
        """Run and commit one batch, then answer its callers; False when the batch failed.

        ``first``: the connection's first batch. ``begin_writing`` makes the connection's
        transactions writers' (``BEGIN IMMEDIATE``) from then on, so later batches only begin.
        """
        self.batches += 1
        try:
            if first:
                await begin_writing(conn)
            else:
                await conn.begin()
            outcomes = await self.run(conn, [unit for unit, _ in batch])
            await conn.commit()
        except BaseException as exc:  # the whole batch failed: nothing of it is committed
            with contextlib.suppress(Exception):
                await conn.rollback()
            for _, future in batch:
                if future.done():
                    continue
                if isinstance(exc, Exception):
                    future.set_exception(exc)
                else:
                    future.cancel()
            if not isinstance(exc, Exception):
                raise
            return False
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():  # the caller gave up meanwhile
                continue
            if isinstance(outcome, Exception):
                future.set_exception(outcome)
            else:
                future.set_result(outcome)
        return True
