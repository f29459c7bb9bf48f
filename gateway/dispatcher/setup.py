"""Run the dispatcher inside ``careline serve`` (``settings.run_dispatcher``, on by default).

The composition root registers :func:`setup_dispatcher` as a feature, after the channels
have put their senders under :data:`SENDERS` (and the templates engine its renderer under
:data:`RENDERER`). The dispatcher starts after the database is ready and stops, letting
running attempts finish, before it is closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web

from channels.base import Sender
from domain.model import Channel, OutboxState
from gateway.dispatcher.config import DispatcherConfig
from gateway.dispatcher.rendering import Renderer
from gateway.dispatcher.worker import Dispatcher
from gateway.keys import CLOCK, DB, SETTINGS, STORES
from gateway.metrics import METRICS

__all__ = ["DISPATCHER", "RENDERER", "SENDERS", "DispatcherSlot", "setup_dispatcher"]

SENDERS: web.AppKey[dict[Channel, Sender]] = web.AppKey("dispatcher_senders")
"""The channel senders the dispatcher uses (set by the channels' setup)."""
RENDERER: web.AppKey[Renderer] = web.AppKey("dispatcher_renderer")
"""The template renderer (set by the templates' setup; default: row bodies only)."""


@dataclass(slots=True)
class DispatcherSlot:
    """Holds the running dispatcher (``None`` when disabled or not started yet)."""

    dispatcher: Dispatcher | None = None


DISPATCHER = web.AppKey("dispatcher", DispatcherSlot)


def setup_dispatcher(app: web.Application, *, config: DispatcherConfig | None = None) -> None:
    """Register the embedded dispatcher's start and stop on ``app``.

    Args:
        app: the application (with settings, database, clock, stores and metrics).
        config: tuning; the defaults suit one embedded process.
    """
    slot = DispatcherSlot()
    app[DISPATCHER] = slot

    async def run(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        if not settings.run_dispatcher:
            yield
            return
        outbound = app[METRICS].outbound

        def count(channel: Channel, state: OutboxState) -> None:
            outbound.labels(channel.value, state.value).inc()

        stores = app[STORES]
        senders = app.get(SENDERS)
        dispatcher = Dispatcher(
            app[DB],
            senders if senders is not None else {},
            clock=app[CLOCK],
            config=config,
            renderer=app.get(RENDERER),
            rate_limiter=stores.rate_limiter,
            pubsub=stores.pubsub,
            worker_id=settings.worker_id or None,
            on_final=count,
        )
        slot.dispatcher = dispatcher
        await dispatcher.start()
        try:
            yield
        finally:
            await dispatcher.stop()
            slot.dispatcher = None

    app.cleanup_ctx.append(run)
