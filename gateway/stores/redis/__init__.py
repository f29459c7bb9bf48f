"""Redis implementations of the shared-store ports (many gateway processes)."""

from gateway.stores.redis.idempotency import RedisIdempotencyStore
from gateway.stores.redis.lock import RedisConversationLock
from gateway.stores.redis.pubsub import RedisPubSub
from gateway.stores.redis.rate_limit import RedisRateLimiter

__all__ = ["RedisConversationLock", "RedisIdempotencyStore", "RedisPubSub", "RedisRateLimiter"]
