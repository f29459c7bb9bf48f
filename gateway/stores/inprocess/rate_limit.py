"""In-process token-bucket rate limiter."""

from __future__ import annotations

import time
from collections.abc import Callable

from gateway.stores._token_bucket import Bucket, check_limits, full_at, take

__all__ = ["InProcessRateLimiter"]

# How often (seconds of the clock) buckets that refilled completely are forgotten.
_SWEEP_INTERVAL = 1.0


class InProcessRateLimiter:
    """A :class:`~gateway.stores.ports.RateLimiter` for a single process.

    A bucket that has refilled completely is the same as a new one, so it is forgotten at the
    next sweep: memory follows the buckets in use.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[str, tuple[Bucket, float]] = {}  # name -> (state, full again at)
        self._next_sweep = clock() + _SWEEP_INTERVAL

    @property
    def bucket_count(self) -> int:
        """The number of buckets remembered (for metrics and leak tests)."""
        return len(self._buckets)

    async def acquire(self, bucket: str, *, rate: float, burst: int) -> float:
        """Take or reserve a token; see :meth:`RateLimiter.acquire`."""
        wait = self._take(bucket, rate=rate, burst=burst, reserve=True)
        assert wait is not None  # a reservation always succeeds
        return wait

    async def try_acquire(self, bucket: str, *, rate: float, burst: int) -> bool:
        """Take a token if one is available; see :meth:`RateLimiter.try_acquire`."""
        return self._take(bucket, rate=rate, burst=burst, reserve=False) is not None

    def _take(self, name: str, *, rate: float, burst: int, reserve: bool) -> float | None:
        check_limits(rate, burst)
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        previous = self._buckets.get(name)
        taken = take(
            None if previous is None else previous[0], now, rate=rate, burst=burst, reserve=reserve
        )
        if taken is None:
            return None
        state, wait = taken
        self._buckets[name] = (state, full_at(state, rate=rate, burst=burst))
        return wait

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + _SWEEP_INTERVAL
        for name in [name for name, (_, full) in self._buckets.items() if full <= now]:
            del self._buckets[name]
