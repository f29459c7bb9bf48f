"""Hands an envelope to the inbound pipeline, mapping a busy conversation to a 503."""

from __future__ import annotations

from aiohttp import web

from channels.envelope import Envelope
from gateway.inbound.keys import PIPELINE
from gateway.inbound.pipeline import InboundResult
from gateway.stores.errors import LockTimeout
from gateway.webhooks._forms import service_unavailable

__all__ = ["receive"]


async def receive(
    app: web.Application, envelope: Envelope, *, inline: bool = True
) -> InboundResult:
    """Run the pipeline; a conversation busy past the lock timeout answers 503 (retry)."""
    try:
        return await app[PIPELINE].receive(envelope, inline=inline)
    except LockTimeout:
        raise service_unavailable(
            "this conversation is busy; try again shortly", retry_after=5
        ) from None
