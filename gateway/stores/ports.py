"""The ports of the shared stores: what the gateway needs from a store shared by its processes.

Each port has an in-process implementation (one embedded gateway process, the default) and a
Redis implementation (many gateway processes). Both pass the same contract test suite
(tests/gateway/stores/stores_contract.py). Errors of the backing store itself (e.g. Redis being
unreachable) propagate unchanged from every method.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

__all__ = ["ConversationLock", "IdempotencyStore", "JsonObject", "PubSub", "RateLimiter"]

JsonObject = dict[str, Any]
"""A pub/sub message: a JSON object (it crosses processes as JSON text)."""


class ConversationLock(Protocol):
    """A mutex per conversation so that one conversation's messages are handled one at a time."""

    def lock(self, key: str, *, timeout: float) -> AbstractAsyncContextManager[None]:
        """Hold the lock of ``key`` for the duration of an ``async with`` block.

        Waiters for the same key acquire strictly in the order they arrived (FIFO), so the
        messages of one conversation are handled in arrival order. Different keys never block
        each other. The lock is not re-entrant: a task that asks again for a key it holds waits
        for itself until its timeout.

        Leaving the block releases the lock, also when the block raises or is cancelled. A
        waiter that times out or is cancelled gives up its place in the queue.

        Args:
            key: The conversation key, any string.
            timeout: Seconds to wait for the lock; ``0`` means try once without waiting.

        Returns:
            An async context manager; entering it waits for the lock.

        Raises:
            LockTimeout: On entering, when the lock was not acquired within ``timeout``.
            ValueError: When ``timeout`` is negative.
        """
        ...


class IdempotencyStore(Protocol):
    """Remembers which keys (e.g. provider message ids) were already handled, and the answer."""

    async def claim(self, key: str, ttl: float) -> bool:
        """Claim ``key`` for processing.

        Atomic: among any number of concurrent callers in any number of processes exactly one
        gets ``True`` while the key is claimed or completed. A claim that is neither completed
        nor released expires after ``ttl`` seconds, so a crashed process does not block the key
        forever.

        Args:
            key: The idempotency key.
            ttl: Seconds the claim lasts (positive).

        Returns:
            ``True`` when the caller now owns the key and must process it; ``False`` when the key
            is already claimed or completed (a duplicate).
        """
        ...

    async def complete(self, key: str, result: bytes, ttl: float) -> None:
        """Mark ``key`` as handled and store the answer for duplicates.

        Args:
            key: The idempotency key, normally claimed by the caller.
            result: The answer to give duplicates (may be empty).
            ttl: Seconds to keep the key and its answer (positive).
        """
        ...

    async def result(self, key: str) -> bytes | None:
        """The stored answer of a completed key.

        Args:
            key: The idempotency key.

        Returns:
            The bytes given to :meth:`complete`, or ``None`` when the key is unknown, expired or
            still being processed.
        """
        ...

    async def release(self, key: str) -> None:
        """Drop a pending claim so that a retry can claim the key again.

        Called when processing failed. A completed key is left as it is (its answer keeps
        answering duplicates); an unknown key is ignored.

        Args:
            key: The idempotency key.
        """
        ...


class RateLimiter(Protocol):
    """Token buckets shared by all processes (e.g. messages per second per sender number)."""

    async def acquire(self, bucket: str, *, rate: float, burst: int) -> float:
        """Take one token from ``bucket``, reserving a future one when the bucket is empty.

        The bucket holds at most ``burst`` tokens and refills at ``rate`` tokens per second. The
        call never blocks: it returns how long the caller must sleep before acting, and the
        reservation is made already, so the caller must not call again for the same action.

        Args:
            bucket: The bucket name.
            rate: Tokens per second (positive).
            burst: Bucket capacity (at least 1).

        Returns:
            Seconds to wait before acting; ``0.0`` when allowed now.

        Raises:
            ValueError: When ``rate`` or ``burst`` is out of range.
        """
        ...

    async def try_acquire(self, bucket: str, *, rate: float, burst: int) -> bool:
        """Take one token from ``bucket`` only if one is available now.

        Args:
            bucket: The bucket name.
            rate: Tokens per second (positive).
            burst: Bucket capacity (at least 1).

        Returns:
            ``True`` when a token was taken; ``False`` (and nothing taken) otherwise.

        Raises:
            ValueError: When ``rate`` or ``burst`` is out of range.
        """
        ...


class PubSub(Protocol):
    """Fire-and-forget broadcast between gateway processes (live Hub updates, widget sessions).

    Delivery is at most once: only subscriptions active when a message is published receive it,
    and nothing is stored for later.
    """

    async def publish(self, channel: str, message: JsonObject) -> None:
        """Send ``message`` to every active subscription of ``channel`` in every process.

        Args:
            channel: The channel name.
            message: A JSON-serialisable object; subscribers receive an equal copy.

        Raises:
            TypeError: When ``message`` is not a JSON-serialisable dict.
        """
        ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[JsonObject]]:
        """Subscribe to ``channel`` for the duration of an ``async with`` block.

        The subscription is active once the block is entered: every message published after
        that is delivered, in publish order per publisher. Iteration ends when the block is left
        or the store is closed. A subscriber that falls far behind loses its oldest messages.

        Args:
            channel: The channel name.

        Returns:
            An async context manager yielding an async iterator of messages.
        """
        ...
