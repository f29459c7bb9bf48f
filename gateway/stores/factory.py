"""Builds the shared stores: in-process by default, Redis when a URL is configured."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from gateway.stores.inprocess import (
    InProcessConversationLock,
    InProcessIdempotencyStore,
    InProcessPubSub,
    InProcessRateLimiter,
)
from gateway.stores.ports import ConversationLock, IdempotencyStore, PubSub, RateLimiter

__all__ = ["Stores", "build_stores"]

_PING_TIMEOUT = 2.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Stores:
    """The four shared stores of a gateway process, and their lifecycle.

    Attributes:
        lock: Per-conversation FIFO mutex.
        idempotency: Claims and stored answers of provider message ids and the like.
        rate_limiter: Token buckets.
        pubsub: Broadcast between gateway processes.
        backend: ``"in-process"`` or ``"redis"``.
    """

    lock: ConversationLock
    idempotency: IdempotencyStore
    rate_limiter: RateLimiter
    pubsub: PubSub
    backend: str
    ping_backend: Callable[[], Awaitable[bool]] = field(repr=False, compare=False)
    close_backend: Callable[[], Awaitable[None]] = field(repr=False, compare=False)

    async def ping(self) -> bool:
        """Whether the backing store answers (for the readiness probe); never raises."""
        return await self.ping_backend()

    async def close(self) -> None:
        """End subscriptions, stop lease renewals and close connections. Idempotent."""
        await self.close_backend()


def build_stores(
    redis_url: str | None, *, prefix: str = "careline:", lock_lease: float = 30.0
) -> Stores:
    """Build the shared stores. Connects lazily: nothing is opened before the first use.

    Args:
        redis_url: A ``redis://`` or ``rediss://`` URL, or ``None`` for in-process stores (one
            gateway process only).
        prefix: Prepended to every Redis key and channel, so several deployments or test runs
            can share one Redis.
        lock_lease: Seconds a conversation lock outlives a crashed holder (Redis only).

    Returns:
        The stores; call :meth:`Stores.close` on shutdown.
    """
    if redis_url is None:
        return _in_process()
    return _redis(redis_url, prefix=prefix, lock_lease=lock_lease)


def _in_process() -> Stores:
    pubsub = InProcessPubSub()

    async def ping() -> bool:
        return True

    return Stores(
        lock=InProcessConversationLock(),
        idempotency=InProcessIdempotencyStore(),
        rate_limiter=InProcessRateLimiter(),
        pubsub=pubsub,
        backend="in-process",
        ping_backend=ping,
        close_backend=pubsub.aclose,
    )


def _redis(url: str, *, prefix: str, lock_lease: float) -> Stores:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    from gateway.stores.redis import (
        RedisConversationLock,
        RedisIdempotencyStore,
        RedisPubSub,
        RedisRateLimiter,
    )

    client = Redis.from_url(url, decode_responses=False)
    lock = RedisConversationLock(client, prefix=prefix, lease=lock_lease)
    pubsub = RedisPubSub(client, prefix=prefix)
    closed = False

    async def ping() -> bool:
        try:
            async with asyncio.timeout(_PING_TIMEOUT):
                return bool(await client.ping())
        except (RedisError, OSError, TimeoutError):
            return False

    async def close() -> None:
        nonlocal closed
        if closed:
            return
        closed = True
        await lock.aclose()
        await pubsub.aclose()
        await client.aclose()

    return Stores(
        lock=lock,
        idempotency=RedisIdempotencyStore(client, prefix=prefix),
        rate_limiter=RedisRateLimiter(client, prefix=prefix),
        pubsub=pubsub,
        backend="redis",
        ping_backend=ping,
        close_backend=close,
    )
