"""Redis pub/sub: one subscriber connection per process, fanned out to local subscriptions."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.asyncio.client import PubSub as RedisPubSubConnection

from gateway.stores._json_message import decode_message, encode_message
from gateway.stores._subscription import QueueSubscription
from gateway.stores.ports import JsonObject

__all__ = ["RedisPubSub"]

_log = logging.getLogger(__name__)
_RECONNECT_MAX = 2.0


class RedisPubSub:
    """A :class:`~gateway.stores.ports.PubSub` across processes through Redis ``PUBLISH``.

    Many local subscriptions (one per widget session, say) share one Redis connection: the
    channel is subscribed on Redis while at least one local subscription wants it, and a reader
    task hands each message to the local subscriptions. Entering a subscription returns only
    after Redis confirmed ``SUBSCRIBE``, so a message published after that is never missed.
    After a lost connection redis-py re-subscribes; messages published meanwhile are lost
    (delivery is at most once, as the port says).

    Args:
        client: The Redis client (``decode_responses=False``).
        prefix: Prepended to every channel name.
        max_pending: Messages a slow subscriber may have waiting before the oldest is dropped.
        subscribe_timeout: Seconds to wait for Redis to confirm a subscription.
    """

    def __init__(
        self,
        client: Redis,
        *,
        prefix: str,
        max_pending: int = 1000,
        subscribe_timeout: float = 5.0,
    ) -> None:
        self._client = client
        self._prefix = f"{prefix}pubsub:"
        self._max_pending = max_pending
        self._subscribe_timeout = subscribe_timeout
        self._connection: RedisPubSubConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changes = asyncio.Lock()  # one SUBSCRIBE/UNSUBSCRIBE change at a time
        self._local: dict[bytes, set[QueueSubscription]] = {}
        self._confirmations: dict[bytes, asyncio.Future[None]] = {}
        self._closed = False

    async def publish(self, channel: str, message: JsonObject) -> None:
        """Deliver ``message`` in every process; see :meth:`PubSub.publish`."""
        await self._client.publish(self._prefix + channel, encode_message(message))

    def subscribe(self, channel: str) -> QueueSubscription:
        """Subscribe to ``channel``; see :meth:`PubSub.subscribe`."""
        return QueueSubscription(
            channel, attach=self._attach, detach=self._detach, max_pending=self._max_pending
        )

    async def aclose(self) -> None:
        """End every subscription and close the subscriber connection."""
        self._closed = True
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
            self._reader = None
        for subscriptions in self._local.values():
            for subscription in subscriptions:
                subscription.end()
        self._local.clear()
        if self._connection is not None:
            await self._connection.aclose()  # type: ignore[no-untyped-call]
            self._connection = None

    def _name(self, channel: str) -> bytes:
        return (self._prefix + channel).encode()

    async def _attach(self, subscription: QueueSubscription) -> None:
        name = self._name(subscription.channel)
        async with self._changes:
            if self._closed:
                subscription.end()
                return
            subscriptions = self._local.setdefault(name, set())
            subscriptions.add(subscription)
            if len(subscriptions) > 1:
                return
            try:
                await self._subscribe_remote(name)
            except BaseException:
                del self._local[name]
                raise

    async def _detach(self, subscription: QueueSubscription) -> None:
        name = self._name(subscription.channel)
        async with self._changes:
            subscriptions = self._local.get(name)
            if subscriptions is None:
                return
            subscriptions.discard(subscription)
            if not subscriptions:
                del self._local[name]
                if self._connection is not None and not self._closed:
                    try:
                        await self._connection.unsubscribe(name)
                    except Exception:  # leaving must not fail; stray messages find nobody
                        _log.warning("pub/sub unsubscribe failed", exc_info=True)

    async def _subscribe_remote(self, name: bytes) -> None:
        if self._connection is None:
            self._connection = self._client.pubsub()
        connection = self._connection
        confirmed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._confirmations[name] = confirmed
        try:
            await connection.subscribe(name)  # connects on first use
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(
                    self._read(connection), name="careline-pubsub-reader"
                )
            async with asyncio.timeout(self._subscribe_timeout):
                await confirmed
        except BaseException:
            self._confirmations.pop(name, None)
            try:
                await connection.unsubscribe(name)
            except Exception:  # the original error matters more
                _log.debug("unsubscribe after a failed subscribe failed", exc_info=True)
            raise

    async def _read(self, connection: RedisPubSubConnection) -> None:
        delay = 0.05
        while True:
            try:
                message = await connection.get_message(timeout=None)
            except asyncio.CancelledError:
                raise
            except Exception:
                _log.warning("pub/sub connection failed; reconnecting", exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _RECONNECT_MAX)
                continue
            delay = 0.05
            if message is not None:
                self._dispatch(message)

    def _dispatch(self, message: dict[str, object]) -> None:
        kind = message.get("type")
        name = message.get("channel")
        if not isinstance(name, bytes):
            return
        if kind == "subscribe":
            confirmed = self._confirmations.pop(name, None)
            if confirmed is not None and not confirmed.done():
                confirmed.set_result(None)
        elif kind == "message":
            data = message.get("data")
            if not isinstance(data, bytes):
                return
            for subscription in tuple(self._local.get(name, ())):
                payload = decode_message(data)  # each subscriber gets its own copy
                if payload is None:
                    return
                subscription.deliver(payload)
