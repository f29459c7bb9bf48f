"""In-process implementations of the shared-store ports (one embedded gateway process)."""

from gateway.stores.inprocess.idempotency import InProcessIdempotencyStore
from gateway.stores.inprocess.lock import InProcessConversationLock
from gateway.stores.inprocess.pubsub import InProcessPubSub
from gateway.stores.inprocess.rate_limit import InProcessRateLimiter

__all__ = [
    "InProcessConversationLock",
    "InProcessIdempotencyStore",
    "InProcessPubSub",
    "InProcessRateLimiter",
]
