"""Redis conversation lock: a fair (FIFO) mutex per key, shared by many gateway processes.

Design:

* **Ownership.** The holder's random token is stored at the owner key with a *lease* (a TTL).
  While the lock is held a background task renews the lease every third of it, so a long
  handler keeps its lock while a crashed process stops renewing and its lock frees itself when
  the lease runs out. Release and renewal are Lua scripts that act only when the owner key
  still holds the caller's token, so a process whose lease ran out can never release the lock
  someone else now holds.
* **Fairness: a ticket queue.** A waiter that cannot take the lock gets a ticket (``INCR``) and
  sits in a sorted set ordered by ticket. The lock is taken only by the head of that queue (or
  by anyone while the queue is empty), so a newcomer never jumps the queue.
* **Waiting: short polling with exponential backoff**, from 2 ms up to 20 ms. Every poll also
  refreshes the waiter's liveness deadline; a waiter that stopped polling for ``waiter_ttl``
  (its process died) is dropped from the queue by the next poll of anyone, so a dead waiter
  cannot block the queue. Waiters in the same process are woken at once by a local release,
  so hand-overs inside one process do not wait for the next poll.
* **Giving up.** A waiter that times out or is cancelled runs a script that removes it from the
  queue and releases the lock if it was granted in the meantime.

All times that several processes compare (liveness deadlines, leases) are Redis server time,
so clock skew between gateway hosts does not matter. Requires Redis >= 5 (scripts that call
``TIME`` before writing) on a single node or with Sentinel, not Redis Cluster.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import suppress
from dataclasses import dataclass, field
from types import TracebackType

from redis.asyncio import Redis
from redis.exceptions import RedisError

from gateway.stores.errors import LockTimeout
from gateway.stores.redis import _lock_scripts

__all__ = ["RedisConversationLock"]

_log = logging.getLogger(__name__)
_POLL_MIN = 0.002
_POLL_MAX = 0.02


@dataclass(slots=True)
class _LocalWaiters:
    """Waiters of one key in this process; the event is replaced each time it fires."""

    count: int = 0
    released: asyncio.Event = field(default_factory=asyncio.Event)


class RedisConversationLock:
    """A :class:`~gateway.stores.ports.ConversationLock` shared through Redis.

    Args:
        client: The Redis client (``decode_responses=False``).
        prefix: Prepended to every key.
        lease: Seconds a lock outlives a crashed holder (renewed while the holder lives).
        waiter_ttl: Seconds after which a waiter that stopped polling loses its place.
    """

    def __init__(
        self, client: Redis, *, prefix: str, lease: float = 30.0, waiter_ttl: float = 3.0
    ) -> None:
        if lease <= 0 or waiter_ttl <= 0:
            raise ValueError("lease and waiter_ttl must be positive")
        self._prefix = prefix
        self._lease = lease
        self._lease_ms = max(1, round(lease * 1000))
        self._waiter_ttl_ms = max(1, round(waiter_ttl * 1000))
        self._acquire_script = client.register_script(_lock_scripts.ACQUIRE)
        self._abandon_script = client.register_script(_lock_scripts.ABANDON)
        self._release_script = client.register_script(_lock_scripts.RELEASE)
        self._renew_script = client.register_script(_lock_scripts.RENEW)
        self._local: dict[str, _LocalWaiters] = {}
        self._renewals: set[asyncio.Task[None]] = set()

    def lock(self, key: str, *, timeout: float) -> _RedisHold:
        """Hold the lock of ``key``; see :meth:`ConversationLock.lock`."""
        if timeout < 0:
            raise ValueError(f"timeout must not be negative, got {timeout!r}")
        return _RedisHold(self, key, timeout)

    async def aclose(self) -> None:
        """Stop renewing leases (as a process exit would); held locks expire with their lease."""
        tasks = tuple(self._renewals)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _keys(self, key: str) -> list[str]:
        base = f"{self._prefix}lock:"
        return [
            f"{base}owner:{key}",
            f"{base}queue:{key}",
            f"{base}alive:{key}",
            f"{base}seq:{key}",
        ]

    async def _acquire(self, key: str, token: str, patience: float) -> None:
        keys = self._keys(key)
        args: list[str | int] = [token, self._lease_ms, self._waiter_ttl_ms]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience
        local = self._local.setdefault(key, _LocalWaiters())
        local.count += 1
        delay = _POLL_MIN
        try:
            while True:
                released = local.released  # taken before polling so no release is missed
                if await self._acquire_script(keys=keys, args=args):
                    return
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise LockTimeout(key, patience)
                with suppress(TimeoutError):
                    async with asyncio.timeout(min(delay, remaining)):
                        await released.wait()
                delay = min(delay * 2, _POLL_MAX)
        except BaseException:
            await self._abandon(key, token)
            raise
        finally:
            local.count -= 1
            if local.count == 0:
                del self._local[key]

    async def _abandon(self, key: str, token: str) -> None:
        try:
            await asyncio.shield(self._abandon_script(keys=self._keys(key), args=[token]))
        except (RedisError, OSError):
            _log.warning("could not leave the lock queue; it expires", extra={"lock_key": key})
        self._wake_local(key)

    async def _release(self, key: str, token: str) -> None:
        try:
            released = await self._release_script(keys=self._keys(key)[:1], args=[token])
        except (RedisError, OSError):
            _log.warning(
                "could not release a lock; it expires with its lease", extra={"lock_key": key}
            )
            return
        if not released:
            _log.warning("lock lease ran out before release", extra={"lock_key": key})
        self._wake_local(key)

    def _wake_local(self, key: str) -> None:
        local = self._local.get(key)
        if local is not None:
            local.released.set()
            local.released = asyncio.Event()

    def _start_renewal(self, key: str, token: str) -> asyncio.Task[None]:
        task = asyncio.create_task(self._renew(key, token), name=f"lock-lease:{key}")
        self._renewals.add(task)
        task.add_done_callback(self._renewals.discard)
        return task

    async def _renew(self, key: str, token: str) -> None:
        owner = self._keys(key)[:1]
        while True:
            await asyncio.sleep(self._lease / 3)
            try:
                held = await self._renew_script(keys=owner, args=[token, self._lease_ms])
            except Exception:  # a failed renewal must not kill the task; the next try may work
                _log.warning("could not renew a lock lease; retrying", extra={"lock_key": key})
                continue
            if not held:
                _log.error("lock lease ran out while held", extra={"lock_key": key})
                return


class _RedisHold:
    """The async context manager returned by :meth:`RedisConversationLock.lock`."""

    __slots__ = ("_key", "_owner", "_renewal", "_timeout", "_token")

    def __init__(self, owner: RedisConversationLock, key: str, timeout: float) -> None:
        self._owner = owner
        self._key = key
        self._timeout = timeout
        self._token = secrets.token_hex(16)
        self._renewal: asyncio.Task[None] | None = None

    async def __aenter__(self) -> None:
        await self._owner._acquire(self._key, self._token, self._timeout)
        self._renewal = self._owner._start_renewal(self._key, self._token)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._renewal is not None:
            self._renewal.cancel()
        # Shielded: a cancelled holder still releases instead of leaving the lock to its lease.
        await asyncio.shield(self._owner._release(self._key, self._token))
