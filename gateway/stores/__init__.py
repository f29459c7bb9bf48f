"""Shared stores of the gateway: conversation lock, idempotency, rate limits and pub/sub.

Ports (Protocols) are in :mod:`gateway.stores.ports`; :func:`build_stores` picks the in-process
implementations (one embedded process, the default) or the Redis ones (many processes).
"""

from gateway.stores.errors import LockTimeout, StoreError
from gateway.stores.factory import Stores, build_stores
from gateway.stores.ports import (
    ConversationLock,
    IdempotencyStore,
    JsonObject,
    PubSub,
    RateLimiter,
)

__all__ = [
    "ConversationLock",
    "IdempotencyStore",
    "JsonObject",
    "LockTimeout",
    "PubSub",
    "RateLimiter",
    "StoreError",
    "Stores",
    "build_stores",
]
