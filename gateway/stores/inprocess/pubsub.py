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
        subscriptions = self._channels.get(channel)
        if not subscriptions and _surely_json(message):
            return  # nobody listens, and encoding could not fail: nothing to do
        payload = encode_message(message)  # raises for what would not cross processes
        for subscription in tuple(subscriptions or ()):
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


def _surely_json(message: object) -> bool:
    """True when ``encode_message(message)`` cannot fail: a dict of ASCII text keys whose values
    are ASCII text, booleans or None (an event such as the inbound pipeline's). Anything else is
    encoded even when nobody listens, so that what fails over Redis fails here too."""
    if type(message) is not dict:
        return False
    for key, value in message.items():
        if type(key) is not str or not key.isascii():
            return False
        if type(value) is str:
            if not value.isascii():  # a lone surrogate would not encode as UTF-8
                return False
        elif value is not None and type(value) is not bool:
            return False
    return True
