"""A subscription backed by a bounded local queue; both pub/sub implementations use it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType

from gateway.stores.ports import JsonObject

__all__ = ["QueueSubscription"]

_log = logging.getLogger(__name__)


class QueueSubscription:
    """An async context manager and iterator of the messages of one channel.

    The owning pub/sub registers it on entering (``attach``) and unregisters it on leaving
    (``detach``) and pushes messages with :meth:`deliver`. When more than ``max_pending``
    messages wait, the oldest is dropped: a stalled consumer must not grow memory without end.
    """

    def __init__(
        self,
        channel: str,
        *,
        attach: Callable[[QueueSubscription], Awaitable[None]],
        detach: Callable[[QueueSubscription], Awaitable[None]],
        max_pending: int,
    ) -> None:
        self.channel = channel
        self.dropped = 0
        self._attach = attach
        self._detach = detach
        # ``None`` marks the end; the extra slot keeps room for it in a full queue.
        self._queue: asyncio.Queue[JsonObject | None] = asyncio.Queue(maxsize=max_pending + 1)
        self._max_pending = max_pending
        self._entered = False
        self._ended = False

    async def __aenter__(self) -> QueueSubscription:
        if self._entered:
            raise RuntimeError("a subscription can be entered only once")
        self._entered = True
        await self._attach(self)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.end()
        await self._detach(self)

    def __aiter__(self) -> QueueSubscription:
        return self

    async def __anext__(self) -> JsonObject:
        if self._ended and self._queue.empty():
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is None:
            self._queue.put_nowait(None)  # keep ending any further __anext__
            raise StopAsyncIteration
        return item

    def deliver(self, message: JsonObject) -> None:
        """Queue ``message`` for the consumer, dropping the oldest one when full."""
        if self._ended:
            return
        if self._queue.qsize() >= self._max_pending:
            self._queue.get_nowait()
            self.dropped += 1
            if self.dropped == 1:
                _log.warning(
                    "pub/sub subscriber is falling behind; dropping its oldest messages",
                    extra={"channel": self.channel, "max_pending": self._max_pending},
                )
        self._queue.put_nowait(message)

    def end(self) -> None:
        """End iteration once the queued messages are consumed (idempotent)."""
        if not self._ended:
            self._ended = True
            self._queue.put_nowait(None)
