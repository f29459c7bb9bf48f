"""The contract of the shared-store ports, written once and run against every implementation.

A test module runs it by subclassing the ``*Contract`` classes and providing the fixture
``open_stores``: a callable that returns a handle on the store under test. Each call stands for
one gateway process: the in-process store returns the same object every time, the Redis store
returns a new client on the same server, so the "two processes" tests use two connections.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.stores import JsonObject, LockTimeout, Stores

OpenStores = Callable[[], Stores]

__all__ = [
    "IdempotencyContract",
    "LockContract",
    "OpenStores",
    "PubSubContract",
    "RateLimiterContract",
    "StoresContract",
]


def _key(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


async def _next(messages: AsyncIterator[JsonObject], within: float = 2.0) -> JsonObject:
    async with asyncio.timeout(within):
        return await anext(messages)


class LockContract:
    async def test_one_holder_at_a_time_across_processes(self, open_stores: OpenStores) -> None:
        processes = [open_stores(), open_stores()]
        key = _key("conv")
        inside = 0
        most_inside = 0
        done = 0

        async def handle(i: int) -> None:
            nonlocal inside, most_inside, done
            async with processes[i % 2].lock.lock(key, timeout=5):
                inside += 1
                most_inside = max(most_inside, inside)
                await asyncio.sleep(0.005)
                inside -= 1
                done += 1

        await asyncio.gather(*(handle(i) for i in range(12)))
        assert (most_inside, done) == (1, 12)

    async def test_waiters_acquire_in_arrival_order(self, open_stores: OpenStores) -> None:
        processes = [open_stores(), open_stores()]
        key = _key("conv")
        order: list[int] = []

        async def message(i: int) -> None:
            async with processes[i % 2].lock.lock(key, timeout=5):
                order.append(i)
                await asyncio.sleep(0.002)

        async with processes[0].lock.lock(key, timeout=1):
            waiters = []
            for i in range(6):
                waiters.append(asyncio.create_task(message(i)))
                await asyncio.sleep(0.03)  # let waiter i queue up before i + 1 arrives
        await asyncio.gather(*waiters)
        assert order == list(range(6))

    async def test_timeout_raises_lock_timeout_naming_the_key(
        self, open_stores: OpenStores
    ) -> None:
        stores = open_stores()
        key = _key("conv")
        async with stores.lock.lock(key, timeout=1):
            started = time.monotonic()
            with pytest.raises(LockTimeout) as caught:
                async with stores.lock.lock(key, timeout=0.2):
                    pytest.fail("acquired a held lock")
            waited = time.monotonic() - started
        assert caught.value.key == key
        assert caught.value.timeout == 0.2
        assert 0.18 <= waited < 1.0

    async def test_zero_timeout_tries_once(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        key = _key("conv")
        async with stores.lock.lock(key, timeout=0):
            with pytest.raises(LockTimeout):
                async with stores.lock.lock(key, timeout=0):
                    pytest.fail("acquired a held lock")

    async def test_gave_up_waiters_do_not_block_the_next_one(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        key = _key("conv")
        holding = stores.lock.lock(key, timeout=1)
        await holding.__aenter__()

        async def wait(patience: float) -> float:
            async with stores.lock.lock(key, timeout=patience):
                return time.monotonic()

        impatient = asyncio.create_task(wait(0.05))
        await asyncio.sleep(0.02)
        cancelled = asyncio.create_task(wait(5))
        await asyncio.sleep(0.02)
        patient = asyncio.create_task(wait(5))
        await asyncio.sleep(0.02)
        cancelled.cancel()
        with pytest.raises(LockTimeout):
            await impatient
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        released_at = time.monotonic()
        await holding.__aexit__(None, None, None)
        assert await patient - released_at < 0.3

    async def test_lock_is_released_when_the_block_raises(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        key = _key("conv")
        with pytest.raises(RuntimeError):
            async with stores.lock.lock(key, timeout=1):
                raise RuntimeError("handler failed")
        async with stores.lock.lock(key, timeout=0):
            pass

    async def test_other_conversations_are_not_blocked(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        async with stores.lock.lock(_key("a"), timeout=1):
            async with stores.lock.lock(_key("b"), timeout=0):
                pass

    async def test_negative_timeout_is_refused(self, open_stores: OpenStores) -> None:
        with pytest.raises(ValueError, match="timeout"):
            open_stores().lock.lock("conv", timeout=-1)


class IdempotencyContract:
    async def test_one_of_50_concurrent_claims_wins(self, open_stores: OpenStores) -> None:
        processes = [open_stores(), open_stores()]
        key = _key("SM")
        claims = await asyncio.gather(
            *(processes[i % 2].idempotency.claim(key, 30) for i in range(50))
        )
        assert claims.count(True) == 1

    async def test_released_claim_can_be_claimed_again(self, open_stores: OpenStores) -> None:
        first, retry = open_stores(), open_stores()
        key = _key("SM")
        assert await first.idempotency.claim(key, 30)
        await first.idempotency.release(key)
        assert await retry.idempotency.claim(key, 30)
        assert not await first.idempotency.claim(key, 30)

    async def test_duplicate_gets_the_stored_answer(self, open_stores: OpenStores) -> None:
        first, duplicate = open_stores(), open_stores()
        key = _key("SM")
        answer = b"<Response><Message>See you Tuesday</Message></Response>"
        assert await first.idempotency.claim(key, 30)
        assert await duplicate.idempotency.result(key) is None  # still processing
        await first.idempotency.complete(key, answer, 30)
        assert not await duplicate.idempotency.claim(key, 30)
        assert await duplicate.idempotency.result(key) == answer

    async def test_empty_answer_is_stored(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        key = _key("SM")
        assert await stores.idempotency.claim(key, 30)
        await stores.idempotency.complete(key, b"", 30)
        assert await stores.idempotency.result(key) == b""

    async def test_release_keeps_a_completed_answer(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        key = _key("SM")
        assert await stores.idempotency.claim(key, 30)
        await stores.idempotency.complete(key, b"ok", 30)
        await stores.idempotency.release(key)
        assert not await stores.idempotency.claim(key, 30)
        assert await stores.idempotency.result(key) == b"ok"

    async def test_unknown_key_has_no_answer(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        assert await stores.idempotency.result(_key("SM")) is None
        await stores.idempotency.release(_key("SM"))  # ignored

    async def test_abandoned_claim_expires(self, open_stores: OpenStores) -> None:
        crashed, retry = open_stores(), open_stores()
        key = _key("SM")
        assert await crashed.idempotency.claim(key, 0.1)
        assert not await retry.idempotency.claim(key, 30)
        await asyncio.sleep(0.15)
        assert await retry.idempotency.claim(key, 30)

    async def test_answer_expires(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        key = _key("SM")
        assert await stores.idempotency.claim(key, 30)
        await stores.idempotency.complete(key, b"ok", 0.1)
        await asyncio.sleep(0.15)
        assert await stores.idempotency.result(key) is None
        assert await stores.idempotency.claim(key, 30)

    # One contract method runs for every implementation (a different executor each); every
    # example releases what it claimed, and replaying one backend's failing example on another
    # backend is welcome.
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.differing_executors,
        ],
    )
    @given(key=st.text(min_size=1, max_size=40), other=st.text(min_size=1, max_size=40))
    async def test_any_key_text_is_its_own_slot(
        self, open_stores: OpenStores, key: str, other: str
    ) -> None:
        stores = open_stores()
        assert await stores.idempotency.claim(key, 30)
        try:
            assert not await stores.idempotency.claim(key, 30)
            if other != key:
                assert await stores.idempotency.claim(other, 30)
                await stores.idempotency.release(other)
        finally:
            await stores.idempotency.release(key)

    async def test_non_positive_ttl_is_refused(self, open_stores: OpenStores) -> None:
        with pytest.raises(ValueError, match="ttl"):
            await open_stores().idempotency.claim(_key("SM"), 0)


class RateLimiterContract:
    async def test_burst_is_allowed_then_refused(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        bucket = _key("sender")
        allowed = [await stores.rate_limiter.try_acquire(bucket, rate=1, burst=3) for _ in "1234"]
        assert allowed == [True, True, True, False]

    async def test_acquire_reserves_the_next_free_slots(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        bucket = _key("sender")
        waits = [await stores.rate_limiter.acquire(bucket, rate=10, burst=2) for _ in "1234"]
        assert waits[:2] == [0.0, 0.0]
        assert waits[2] == pytest.approx(0.1, abs=0.01)
        assert waits[3] == pytest.approx(0.2, abs=0.01)

    async def test_refused_try_takes_nothing(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        bucket = _key("sender")
        assert await stores.rate_limiter.try_acquire(bucket, rate=20, burst=1)
        for _ in range(5):
            assert not await stores.rate_limiter.try_acquire(bucket, rate=20, burst=1)
        await asyncio.sleep(0.06)  # one token's worth (50 ms) plus slack
        assert await stores.rate_limiter.try_acquire(bucket, rate=20, burst=1)

    async def test_buckets_are_independent(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        assert await stores.rate_limiter.try_acquire(_key("a"), rate=1, burst=1)
        assert await stores.rate_limiter.try_acquire(_key("b"), rate=1, burst=1)

    async def test_rate_is_accurate_within_5_percent(self, open_stores: OpenStores) -> None:
        """50/s over 2 s, shared by two processes, both by polling and by reserving."""
        processes = [open_stores(), open_stores()]
        rate, burst, seconds = 50.0, 5, 2.0
        polled, reserved = _key("polled"), _key("reserved")
        loop = asyncio.get_running_loop()
        start = loop.time()
        end = start + seconds
        granted = 0
        served: list[float] = []

        async def poll(stores: Stores) -> None:
            nonlocal granted
            while loop.time() < end:
                if await stores.rate_limiter.try_acquire(polled, rate=rate, burst=burst):
                    granted += 1
                await asyncio.sleep(0.001)

        async def reserve(stores: Stores) -> None:
            while True:
                wait = await stores.rate_limiter.acquire(reserved, rate=rate, burst=burst)
                if loop.time() + wait > end:
                    return
                await asyncio.sleep(wait)
                served.append(loop.time())

        await asyncio.gather(*(poll(p) for p in processes), *(reserve(p) for p in processes))
        expected = rate * (loop.time() - start)
        assert granted - burst == pytest.approx(expected, rel=0.05)
        assert len(served) - burst == pytest.approx(rate * seconds, rel=0.05)
        assert served[-1] - start <= seconds + 0.05

    @pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (float("nan"), 1), (1, 0)])
    async def test_bad_limits_are_refused(
        self, open_stores: OpenStores, rate: float, burst: int
    ) -> None:
        stores = open_stores()
        with pytest.raises(ValueError):
            await stores.rate_limiter.acquire("sender", rate=rate, burst=burst)
        with pytest.raises(ValueError):
            await stores.rate_limiter.try_acquire("sender", rate=rate, burst=burst)


class PubSubContract:
    async def test_every_subscriber_in_every_process_receives(
        self, open_stores: OpenStores
    ) -> None:
        here, there = open_stores(), open_stores()
        channel = _key("hub")
        update = {"conversation": "c-17", "unread": 2, "preview": "Can I come at 3?", "ok": True}
        async with (
            here.pubsub.subscribe(channel) as mine,
            there.pubsub.subscribe(channel) as theirs,
        ):
            await here.pubsub.publish(channel, update)
            assert await _next(mine) == update
            assert await _next(theirs) == update

    async def test_messages_arrive_in_publish_order(self, open_stores: OpenStores) -> None:
        publisher, listener = open_stores(), open_stores()
        channel = _key("widget")
        async with listener.pubsub.subscribe(channel) as messages:
            for i in range(20):
                await publisher.pubsub.publish(channel, {"seq": i})
            assert [await _next(messages) for _ in range(20)] == [{"seq": i} for i in range(20)]

    async def test_channels_are_separate(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        mine, other = _key("hub"), _key("hub")
        async with stores.pubsub.subscribe(mine) as messages:
            await stores.pubsub.publish(other, {"for": "other"})
            await stores.pubsub.publish(mine, {"for": "me"})
            assert await _next(messages) == {"for": "me"}

    async def test_subscribers_get_independent_copies(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        channel = _key("hub")
        async with stores.pubsub.subscribe(channel) as a, stores.pubsub.subscribe(channel) as b:
            await stores.pubsub.publish(channel, {"tags": ["new"]})
            first = await _next(a)
            first["tags"].append("changed")
            assert await _next(b) == {"tags": ["new"]}

    async def test_leaving_and_resubscribing(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        channel = _key("hub")
        async with stores.pubsub.subscribe(channel) as messages:
            await stores.pubsub.publish(channel, {"n": 1})
            assert await _next(messages) == {"n": 1}
        await stores.pubsub.publish(channel, {"n": 2})  # nobody listens: dropped, no error
        async with stores.pubsub.subscribe(channel) as messages:
            await stores.pubsub.publish(channel, {"n": 3})
            assert await _next(messages) == {"n": 3}

    async def test_message_must_be_json(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        with pytest.raises(TypeError):
            await stores.pubsub.publish("hub", {"when": object()})
        with pytest.raises(TypeError):
            await stores.pubsub.publish("hub", {"score": float("nan")})

    async def test_close_ends_subscriptions(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        channel = _key("widget")
        received: list[object] = []

        async def listen() -> None:
            async with stores.pubsub.subscribe(channel) as messages:
                async for message in messages:
                    received.append(message)

        listener = asyncio.create_task(listen())
        await asyncio.sleep(0.05)
        await stores.pubsub.publish(channel, {"n": 1})
        await asyncio.sleep(0.05)
        await stores.close()
        async with asyncio.timeout(2):
            await listener
        assert received == [{"n": 1}]


class StoresContract:
    async def test_ping_when_reachable(self, open_stores: OpenStores) -> None:
        assert await open_stores().ping()

    async def test_close_twice(self, open_stores: OpenStores) -> None:
        stores = open_stores()
        await stores.close()
        await stores.close()
