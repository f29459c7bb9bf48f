"""The shared-store contract against the in-process implementations, plus what only they have."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.stores import LockTimeout, Stores, build_stores
from gateway.stores._json_message import encode_message
from gateway.stores.inprocess import (
    InProcessConversationLock,
    InProcessIdempotencyStore,
    InProcessRateLimiter,
)
from gateway.stores.inprocess.pubsub import InProcessPubSub, _surely_json
from tests.gateway.stores.stores_contract import (
    IdempotencyContract,
    LockContract,
    OpenStores,
    PubSubContract,
    RateLimiterContract,
    StoresContract,
)


@pytest.fixture
async def open_stores() -> AsyncIterator[OpenStores]:
    """One process: every "process" gets the same in-process stores."""
    stores = build_stores(None)
    yield lambda: stores
    await stores.close()


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


def test_default_is_in_process() -> None:
    stores: Stores = build_stores(None, prefix="ignored:")
    assert stores.backend == "in-process"
    assert isinstance(stores.lock, InProcessConversationLock)


async def test_lock_forgets_keys_no_longer_in_use() -> None:
    lock = InProcessConversationLock()

    async def use(key: str, patience: float) -> None:
        async with lock.lock(key, timeout=patience):
            await asyncio.sleep(0.001)

    async def cancelled_waiter(key: str) -> None:
        task = asyncio.create_task(use(key, 5))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    jobs = [use(f"conv-{i % 40}", 5) for i in range(400)]
    jobs += [cancelled_waiter(f"conv-{i}") for i in range(20)]
    results = await asyncio.gather(
        *jobs, *(use("conv-1", 0) for _ in range(20)), return_exceptions=True
    )
    assert all(r is None or isinstance(r, LockTimeout) for r in results)
    assert lock.key_count == 0


async def test_lock_handed_over_as_the_waiter_times_out_is_passed_on() -> None:
    lock = InProcessConversationLock()
    holder = lock.lock("conv", timeout=1)
    await holder.__aenter__()
    late = asyncio.create_task(_enter_and_leave(lock, "conv", 0.01))
    nxt = asyncio.create_task(_enter_and_leave(lock, "conv", 1))
    await asyncio.sleep(0)
    await asyncio.sleep(0.02)  # the first waiter's deadline passes while the lock is held
    await holder.__aexit__(None, None, None)
    with pytest.raises(LockTimeout):
        await late
    await nxt
    assert lock.key_count == 0


async def _enter_and_leave(lock: InProcessConversationLock, key: str, patience: float) -> None:
    async with lock.lock(key, timeout=patience):
        pass


async def test_idempotency_forgets_expired_keys() -> None:
    now = [0.0]
    store = InProcessIdempotencyStore(clock=lambda: now[0])
    for i in range(100):
        assert await store.claim(f"SM{i}", 10)
        if i % 2:
            await store.complete(f"SM{i}", b"ok", 20)
    now[0] = 15.0
    assert store.entry_count == 50  # the completed ones live longer
    now[0] = 25.0
    assert store.entry_count == 0
    assert await store.claim("SM1", 10)


async def test_rate_limiter_forgets_refilled_buckets() -> None:
    now = [0.0]
    limiter = InProcessRateLimiter(clock=lambda: now[0])
    for i in range(100):
        assert await limiter.try_acquire(f"sender-{i}", rate=1, burst=2)
    assert await limiter.acquire("busy", rate=1, burst=1) == 0.0
    assert await limiter.acquire("busy", rate=1, burst=1) == pytest.approx(1.0)
    now[0] = 1.5  # the others are full again after 1 s; "busy" owes a token until 2 s
    assert await limiter.try_acquire("x", rate=1, burst=1)
    assert limiter.bucket_count == 2  # "busy" and "x"
    assert not await limiter.try_acquire("busy", rate=1, burst=1)


# -- publishing with nobody listening skips the encoding, never its refusals ----------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


@given(message=st.dictionaries(st.text() | st.integers() | st.none(), _json_values, max_size=4))
def test_a_message_taken_as_surely_json_always_encodes(message: dict[object, object]) -> None:
    if _surely_json(message):
        encode_message(message)  # type: ignore[arg-type]  # must not raise


@pytest.mark.parametrize("message", [
    {"when": object()}, {"score": float("nan")}, {"text": "\ud800"}, {"\ud800": "key"},
    {"big": 10 ** 5000}, {"nested": {"x": float("inf")}},
])
async def test_nobody_listening_still_refuses_what_would_not_cross_processes(
    message: dict[str, object],
) -> None:
    pubsub = InProcessPubSub()
    with pytest.raises((TypeError, ValueError)):  # as encode_message refuses it
        encode_message(message)
    with pytest.raises((TypeError, ValueError)):
        await pubsub.publish("nobody", message)


async def test_nobody_listening_takes_plain_events_without_error() -> None:
    pubsub = InProcessPubSub()
    event = {"type": "message", "conversation_id": "C1", "unread": True, "message_id": None}
    assert _surely_json(event)
    await pubsub.publish("nobody", event)
    async with pubsub.subscribe("somebody") as messages:
        await pubsub.publish("somebody", event)
        assert await asyncio.wait_for(anext(messages), 1) == event
