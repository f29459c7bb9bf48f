"""The shared-store contract against a real Redis, plus what only the Redis stores have.

The contract's "two processes" are two Redis clients here; the lease test kills a real process.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from gateway.stores import LockTimeout, Stores, build_stores
from gateway.stores.redis import RedisConversationLock
from gateway.stores.redis._lock_scripts import ACQUIRE
from tests.gateway.stores.stores_contract import (
    IdempotencyContract,
    LockContract,
    OpenStores,
    PubSubContract,
    RateLimiterContract,
    StoresContract,
)

pytestmark = [pytest.mark.integration, pytest.mark.redis]


@pytest.fixture
async def open_stores(redis_base_url: str, redis_prefix: str) -> AsyncIterator[OpenStores]:
    """Each call is another gateway process: a new Redis client on the same server and prefix."""
    opened: list[Stores] = []

    def open_process() -> Stores:
        stores = build_stores(redis_base_url, prefix=redis_prefix)
        opened.append(stores)
        return stores

    yield open_process
    for stores in opened:
        await stores.close()


@pytest.fixture
async def redis_client(redis_base_url: str) -> AsyncIterator[aioredis.Redis]:
    client = aioredis.from_url(redis_base_url)
    yield client
    await client.aclose()


class TestLock(LockContract):
    pass


class TestIdempotency(IdempotencyContract):
    pass


class TestRateLimiter(RateLimiterContract):
    pass


class TestPubSub(PubSubContract):
    pass


class TestStores(StoresContract):
    pass


_HOLD_AND_HANG = """
import asyncio, sys
from gateway.stores import build_stores

async def main():
    url, prefix, lease, key = sys.argv[1:]
    stores = build_stores(url, prefix=prefix, lock_lease=float(lease))
    await stores.lock.lock(key, timeout=5).__aenter__()
    print("held", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


async def test_lock_of_a_killed_process_frees_itself_after_the_lease(
    redis_base_url: str, redis_prefix: str
) -> None:
    lease = 1.0
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _HOLD_AND_HANG,
        redis_base_url,
        redis_prefix,
        str(lease),
        "conv-1",
        stdout=asyncio.subprocess.PIPE,
    )
    stores = build_stores(redis_base_url, prefix=redis_prefix)
    try:
        assert child.stdout is not None
        async with asyncio.timeout(15):
            assert await child.stdout.readline() == b"held\n"
        with pytest.raises(LockTimeout):
            async with stores.lock.lock("conv-1", timeout=0):
                pass
        child.send_signal(signal.SIGKILL)
        await child.wait()
        killed_at = time.monotonic()
        async with stores.lock.lock("conv-1", timeout=5):
            recovered_after = time.monotonic() - killed_at
        assert recovered_after < lease + 0.5
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await stores.close()


async def test_living_holder_keeps_its_lock_beyond_the_lease(
    redis_base_url: str, redis_prefix: str
) -> None:
    stores = build_stores(redis_base_url, prefix=redis_prefix, lock_lease=0.3)
    try:
        async with stores.lock.lock("conv-1", timeout=1):
            with pytest.raises(LockTimeout):
                async with stores.lock.lock("conv-1", timeout=0.9):  # three leases
                    pytest.fail("the lease ran out under a living holder")
    finally:
        await stores.close()


async def test_holder_whose_lease_ran_out_cannot_release_the_next_holder(
    redis_client: aioredis.Redis, redis_prefix: str
) -> None:
    stalled = RedisConversationLock(redis_client, prefix=redis_prefix, lease=0.2)
    healthy = RedisConversationLock(redis_client, prefix=redis_prefix)
    stale = stalled.lock("conv-1", timeout=1)
    await stale.__aenter__()
    await stalled.aclose()  # its renewals stop, as in a frozen process
    async with healthy.lock("conv-1", timeout=1):  # granted once the lease ran out
        await stale.__aexit__(None, None, None)  # the frozen process wakes up and releases
        with pytest.raises(LockTimeout):
            async with healthy.lock("conv-1", timeout=0):
                pytest.fail("a stale holder released someone else's lock")


async def test_dead_waiter_loses_its_place(redis_client: aioredis.Redis, redis_prefix: str) -> None:
    lock = RedisConversationLock(redis_client, prefix=redis_prefix, waiter_ttl=0.3)
    keys = [f"{redis_prefix}lock:{part}:conv-1" for part in ("owner", "queue", "alive", "seq")]
    async with lock.lock("conv-1", timeout=1):
        # A waiter of a process that then died: queued once, never polls again.
        assert await redis_client.eval(ACQUIRE, 4, *keys, "dead-token", 30_000, 300) == 0
        waiter = asyncio.create_task(_enter_and_leave(lock, "conv-1", patience=5))
        await asyncio.sleep(0.05)
    released_at = time.monotonic()
    await waiter
    assert time.monotonic() - released_at < 0.3 + 0.2


async def _enter_and_leave(lock: RedisConversationLock, key: str, *, patience: float) -> None:
    async with lock.lock(key, timeout=patience):
        pass


async def test_no_lock_keys_remain_once_nobody_holds_or_waits(
    redis_client: aioredis.Redis, redis_base_url: str, redis_prefix: str
) -> None:
    stores = build_stores(redis_base_url, prefix=redis_prefix)
    try:

        async def use(patience: float) -> None:
            async with stores.lock.lock("conv-1", timeout=patience):
                await asyncio.sleep(0.01)

        results = await asyncio.gather(
            *(use(5) for _ in range(5)), *(use(0.005) for _ in range(3)), return_exceptions=True
        )
        assert results.count(None) >= 5
        assert all(r is None or isinstance(r, LockTimeout) for r in results)
        assert [key async for key in redis_client.scan_iter(match=f"{redis_prefix}lock:*")] == []
    finally:
        await stores.close()


async def test_prefixes_keep_deployments_apart(redis_base_url: str, redis_prefix: str) -> None:
    clinic_a = build_stores(redis_base_url, prefix=f"{redis_prefix}a:")
    clinic_b = build_stores(redis_base_url, prefix=f"{redis_prefix}b:")
    try:
        assert await clinic_a.idempotency.claim("SM1", 30)
        assert await clinic_b.idempotency.claim("SM1", 30)
        async with clinic_a.lock.lock("conv-1", timeout=1):
            async with clinic_b.lock.lock("conv-1", timeout=0):
                pass
        async with clinic_b.pubsub.subscribe("hub") as messages:
            await clinic_a.pubsub.publish("hub", {"for": "a"})
            await clinic_b.pubsub.publish("hub", {"for": "b"})
            async with asyncio.timeout(2):
                assert await anext(messages) == {"for": "b"}
    finally:
        await clinic_a.close()
        await clinic_b.close()


async def test_ping_is_false_when_redis_is_unreachable() -> None:
    stores = build_stores("redis://127.0.0.1:1/0")
    try:
        assert not await stores.ping()
    finally:
        await stores.close()
