"""In-process pub/sub: messages go to the subscriptions of this process only."""

from __future__ import annotations

from gateway.stores._json_message import decode_message, encode_message
from gateway.stores._subscription import QueueSubscription
from gateway.stores.ports import JsonObject

__all__ = ["InProcessPubSub"]


class InProcessPubSub:
    """A :class:`~gateway.stores.ports.PubSub` for a single process.

    Messages make the same JSON round trip as over Redis, so each subscriber gets its own copy
    and a message that would not cross processes fails here too.
    """

    def __init__(self, *, max_pending: int = 1000) -> None:
        self._max_pending = max_pending
        self._channels: dict[str, set[QueueSubscription]] = {}
        self._closed = False

    async def publish(self, channel: str, message: JsonObject) -> None:
        """Deliver ``message``; see :meth:`PubSub.publish`."""
        payload = encode_message(message)
        for subscription in tuple(self._channels.get(channel, ())):
            copy = decode_message(payload)
            assert copy is not None  # we encoded a dict
            subscription.deliver(copy)

    def subscribe(self, channel: str) -> QueueSubscription:
        """Subscribe to ``channel``; see :meth:`PubSub.subscribe`."""
        return QueueSubscription(
            channel, attach=self._attach, detach=self._detach, max_pending=self._max_pending
        )

    async def aclose(self) -> None:
        """End every subscription; later subscriptions end at once."""
        self._closed = True
        for subscriptions in self._channels.values():
            for subscription in subscriptions:
                subscription.end()
        self._channels.clear()

    async def _attach(self, subscription: QueueSubscription) -> None:
        if self._closed:
            subscription.end()
            return
        self._channels.setdefault(subscription.channel, set()).add(subscription)

    async def _detach(self, subscription: QueueSubscription) -> None:
        subscriptions = self._channels.get(subscription.channel)
        if subscriptions is not None:
            subscriptions.discard(subscription)
            if not subscriptions:
                del self._channels[subscription.channel]
