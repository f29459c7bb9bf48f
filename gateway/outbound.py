"""The channel senders the dispatcher sends through: Twilio (or the simulator), SMTP, widget."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from channels.senders import build_senders, close_senders
from gateway.dispatcher.setup import SENDERS
from gateway.keys import CLOCK, DB, SETTINGS, STORES

__all__ = ["setup_senders"]


def setup_senders(app: web.Application) -> None:
    """Put the product's senders under ``SENDERS`` and close them on shutdown.

    Register before ``setup_dispatcher``: cleanup contexts stop in reverse order, so the
    dispatcher stops before its senders close.
    """
    app[SENDERS] = build_senders(app[SETTINGS], db=app[DB], stores=app[STORES], clock=app[CLOCK])

    async def close(app: web.Application) -> AsyncIterator[None]:
        yield
        await close_senders(app[SENDERS])

    app.cleanup_ctx.append(close)
