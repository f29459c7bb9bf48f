"""Application keys of the channel gateway's HTTP side."""

from __future__ import annotations

from aiohttp import web

from channels.simulator import SimulatorPhone
from channels.widget_frames import WidgetFrames

__all__ = ["SECRET", "SIMULATOR_PHONE", "WIDGET_FRAMES"]

SECRET = web.AppKey("channels_secret", str)
"""The key that signs widget sessions, unsubscribe links and the inbound-email token."""
WIDGET_FRAMES = web.AppKey("widget_frames", WidgetFrames)
SIMULATOR_PHONE = web.AppKey("simulator_phone", SimulatorPhone)
