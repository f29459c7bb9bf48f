"""Redis idempotency store: ``SET NX PX`` claims, answers stored under the same key."""

from __future__ import annotations

from redis.asyncio import Redis

__all__ = ["RedisIdempotencyStore"]

# The value of a key: a one-byte state, then (when completed) the stored answer.
_PENDING = b"\x00"
_DONE = b"\x01"

_RELEASE_PENDING = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def _ttl_ms(ttl: float) -> int:
    if not ttl > 0:
        raise ValueError(f"ttl must be positive, got {ttl!r}")
    return max(1, round(ttl * 1000))


class RedisIdempotencyStore:
    """An :class:`~gateway.stores.ports.IdempotencyStore` shared through Redis.

    Args:
        client: The Redis client (``decode_responses=False``).
        prefix: Prepended to every key.
    """

    def __init__(self, client: Redis, *, prefix: str) -> None:
        self._client = client
        self._prefix = f"{prefix}idem:"
        self._release_script = client.register_script(_RELEASE_PENDING)

    async def claim(self, key: str, ttl: float) -> bool:
        """Claim ``key``; see :meth:`IdempotencyStore.claim`."""
        created = await self._client.set(self._prefix + key, _PENDING, nx=True, px=_ttl_ms(ttl))
        return bool(created)

    async def complete(self, key: str, result: bytes, ttl: float) -> None:
        """Store the answer of ``key``; see :meth:`IdempotencyStore.complete`."""
        await self._client.set(self._prefix + key, _DONE + bytes(result), px=_ttl_ms(ttl))

    async def result(self, key: str) -> bytes | None:
        """The answer of a completed ``key``; see :meth:`IdempotencyStore.result`."""
        value = await self._client.get(self._prefix + key)
        if isinstance(value, bytes) and value.startswith(_DONE):
            return value[len(_DONE) :]
        return None

    async def release(self, key: str) -> None:
        """Drop a pending claim of ``key``; see :meth:`IdempotencyStore.release`."""
        await self._release_script(keys=[self._prefix + key], args=[_PENDING])
