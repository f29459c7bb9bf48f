"""The channel gateway's HTTP side: Twilio, email and widget endpoints, unsubscribe links.

``setup_channels(app)`` registers them all (with the simulator and the SMTP listener).
"""

from __future__ import annotations

from aiohttp import web

__all__ = ["setup_channels"]


def setup_channels(app: web.Application) -> None:
    """Register the channel gateway; see :mod:`gateway.webhooks.setup`."""
    from gateway.webhooks.setup import setup_channels as setup

    setup(app)
