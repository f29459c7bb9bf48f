"""In-process idempotency store: a dict of claims and answers with expiry."""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["InProcessIdempotencyStore"]


@dataclass(slots=True)
class _Entry:
    expires_at: float
    result: bytes | None  # None while the claim is pending


class InProcessIdempotencyStore:
    """An :class:`~gateway.stores.ports.IdempotencyStore` for a single process.

    Each call runs without awaiting, so it is atomic within the event loop. Expired entries are
    purged on every call (a heap orders them by expiry), so memory follows the live keys.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._expiries: list[tuple[float, str]] = []

    @property
    def entry_count(self) -> int:
        """The number of keys held, pending or completed (for metrics and leak tests)."""
        self._purge(self._clock())
        return len(self._entries)

    async def claim(self, key: str, ttl: float) -> bool:
        """Claim ``key``; see :meth:`IdempotencyStore.claim`."""
        now = self._live(ttl)
        if key in self._entries:
            return False
        self._put(key, _Entry(now + ttl, None))
        return True

    async def complete(self, key: str, result: bytes, ttl: float) -> None:
        """Store the answer of ``key``; see :meth:`IdempotencyStore.complete`."""
        now = self._live(ttl)
        self._put(key, _Entry(now + ttl, bytes(result)))

    async def result(self, key: str) -> bytes | None:
        """The answer of a completed ``key``; see :meth:`IdempotencyStore.result`."""
        self._purge(self._clock())
        entry = self._entries.get(key)
        return None if entry is None else entry.result

    async def release(self, key: str) -> None:
        """Drop a pending claim of ``key``; see :meth:`IdempotencyStore.release`."""
        self._purge(self._clock())
        entry = self._entries.get(key)
        if entry is not None and entry.result is None:
            del self._entries[key]

    def _live(self, ttl: float) -> float:
        if not ttl > 0:
            raise ValueError(f"ttl must be positive, got {ttl!r}")
        now = self._clock()
        self._purge(now)
        return now

    def _put(self, key: str, entry: _Entry) -> None:
        self._entries[key] = entry
        heapq.heappush(self._expiries, (entry.expires_at, key))

    def _purge(self, now: float) -> None:
        while self._expiries and self._expiries[0][0] <= now:
            expires_at, key = heapq.heappop(self._expiries)
            entry = self._entries.get(key)
            # A key re-set later has a later expiry; only the entry this heap item was for goes.
            if entry is not None and entry.expires_at == expires_at:
                del self._entries[key]
        if not self._entries:
            self._expiries.clear()
