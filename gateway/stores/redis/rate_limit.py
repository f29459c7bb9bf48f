"""Redis token-bucket rate limiter: one Lua script, timed by the Redis server clock."""

from __future__ import annotations

from redis.asyncio import Redis

from gateway.stores._token_bucket import check_limits

__all__ = ["RedisRateLimiter"]

# KEYS[1] the bucket hash {tokens, ts}; ARGV: rate (tokens/s), burst, reserve (1 or 0).
# The same arithmetic as gateway/stores/_token_bucket.py. Times are integer microseconds of
# server time (exact in a double). Returns the wait in microseconds, or -1 when refused.
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local reserve = ARGV[3] == '1'
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + math.max(0, now - ts) / 1000000 * rate)
end
local wait = 0
if tokens < 1 - 1e-9 then
  if not reserve then
    return -1
  end
  wait = (1 - tokens) / rate
end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens),
  'ts', string.format('%.17g', now))
-- A bucket that refilled completely is the same as a missing one: let it go then.
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return math.ceil(wait * 1000000)
"""


class RedisRateLimiter:
    """A :class:`~gateway.stores.ports.RateLimiter` shared through Redis.

    Each take is one atomic script that reads the server clock (``TIME``), so every process
    sees one bucket and one clock.

    Args:
        client: The Redis client.
        prefix: Prepended to every key.
    """

    def __init__(self, client: Redis, *, prefix: str) -> None:
        self._prefix = f"{prefix}rate:"
        self._take = client.register_script(_TAKE)

    async def acquire(self, bucket: str, *, rate: float, burst: int) -> float:
        """Take or reserve a token; see :meth:`RateLimiter.acquire`."""
        micros = await self._run(bucket, rate=rate, burst=burst, reserve=True)
        return max(0, micros) / 1_000_000

    async def try_acquire(self, bucket: str, *, rate: float, burst: int) -> bool:
        """Take a token if one is available; see :meth:`RateLimiter.try_acquire`."""
        return await self._run(bucket, rate=rate, burst=burst, reserve=False) >= 0

    async def _run(self, bucket: str, *, rate: float, burst: int, reserve: bool) -> int:
        check_limits(rate, burst)
        result = await self._take(
            keys=[self._prefix + bucket], args=[repr(float(rate)), int(burst), int(reserve)]
        )
        return int(result)
