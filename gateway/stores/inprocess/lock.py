"""In-process conversation lock: one FIFO queue of waiters per key, in one event loop."""

from __future__ import annotations

import asyncio
from collections import deque
from types import TracebackType

from gateway.stores.errors import LockTimeout

__all__ = ["InProcessConversationLock"]


class InProcessConversationLock:
    """A :class:`~gateway.stores.ports.ConversationLock` for a single process.

    A key has an entry only while it is held; the release hands the lock straight to the first
    waiter (no barging, so arrival order is kept) and deletes the entry when nobody waits, so
    keys that are no longer in use take no memory.
    """

    def __init__(self) -> None:
        # key -> the turns of its waiters, oldest first; present exactly while the key is held.
        self._held: dict[str, deque[asyncio.Future[None]]] = {}

    @property
    def key_count(self) -> int:
        """The number of keys currently held (for metrics and leak tests)."""
        return len(self._held)

    def lock(self, key: str, *, timeout: float) -> _Hold:
        """Hold the lock of ``key``; see :meth:`ConversationLock.lock`."""
        if timeout < 0:
            raise ValueError(f"timeout must not be negative, got {timeout!r}")
        return _Hold(self, key, timeout)

    async def _acquire(self, key: str, patience: float) -> None:
        waiters = self._held.get(key)
        if waiters is None:
            self._held[key] = deque()
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiters.append(turn)
        try:
            async with asyncio.timeout(patience):
                await turn
        except BaseException as exc:
            if turn.done() and not turn.cancelled():
                # The lock was handed to us just as we gave up: pass it on.
                self._release(key)
            else:
                turn.cancel()
                try:
                    waiters.remove(turn)
                except ValueError:  # already skipped by a release
                    pass
            if isinstance(exc, TimeoutError):
                raise LockTimeout(key, patience) from None
            raise

    def _release(self, key: str) -> None:
        waiters = self._held[key]
        while waiters:
            turn = waiters.popleft()
            if not turn.done():
                turn.set_result(None)  # the lock passes to this waiter; the key stays held
                return
        del self._held[key]


class _Hold:
    """The async context manager returned by :meth:`InProcessConversationLock.lock`."""

    __slots__ = ("_key", "_owner", "_timeout")

    def __init__(self, owner: InProcessConversationLock, key: str, timeout: float) -> None:
        self._owner = owner
        self._key = key
        self._timeout = timeout

    async def __aenter__(self) -> None:
        await self._owner._acquire(self._key, self._timeout)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._owner._release(self._key)
