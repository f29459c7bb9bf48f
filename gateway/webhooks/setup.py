"""``setup_channels(app)``: the channel gateway's routes, the inbound pipeline and the SMTP
listener. The lead adds it to ``create_app``'s default features.

A Responder is plugged in by setting ``app[RESPONDER]`` (gateway/inbound/keys.py) in a setup
that runs before start-up, or by assigning ``app[PIPELINE].responder``; until then the
:class:`HubResponder` routes every message to the Hub.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.simulator import SimulatorPhone
from channels.widget_frames import WidgetFrames
from gateway.inbound.addresses import AddressBook
from gateway.inbound.hub_responder import HubResponder
from gateway.inbound.keys import ADDRESS_BOOK, PIPELINE, RESPONDER
from gateway.inbound.org_changes import forget_changed_orgs
from gateway.inbound.pipeline import InboundPipeline
from gateway.inbound.responder import InboundContext
from gateway.keys import CLOCK, DB, SETTINGS, STORES
from gateway.metrics import METRICS
from gateway.simulator.routes import setup_simulator
from gateway.webhooks.email_inbound import email_inbound_webhook
from gateway.webhooks.email_listener import smtp_listener
from gateway.webhooks.keys import SECRET, SIMULATOR_PHONE, WIDGET_FRAMES
from gateway.webhooks.twilio_sms import sms_webhook, status_webhook
from gateway.webhooks.twilio_voice import voice_webhook
from gateway.webhooks.unsubscribe import unsubscribe_confirm, unsubscribe_page
from gateway.webhooks.widget_session import session_handler, widget_options
from gateway.webhooks.widget_socket import socket_handler

__all__ = ["setup_channels"]


class _AppResponder:
    """The Responder set on the app (``app[RESPONDER]``), else the Hub."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.fallback = HubResponder()

    async def respond(self, conn: AsyncConnection, inbound: InboundContext) -> list[str]:
        responder = self.app.get(RESPONDER) or self.fallback
        return await responder.respond(conn, inbound)


def setup_channels(app: web.Application) -> None:
    """Register the channel gateway on ``app`` (needs SETTINGS, CLOCK, DB, STORES, METRICS)."""
    settings = app[SETTINGS]
    addresses = AddressBook(inbound_email_domain=settings.smtp.inbound_domain)
    app[ADDRESS_BOOK] = addresses
    app[PIPELINE] = InboundPipeline(
        app[DB], app[STORES], app[CLOCK], _AppResponder(app), app[METRICS],
        addresses=addresses,
    )
    app[SECRET] = settings.resolved_secret_key()
    app[WIDGET_FRAMES] = WidgetFrames(app[DB], app[STORES].pubsub)
    app[SIMULATOR_PHONE] = SimulatorPhone(app[DB], app[STORES].pubsub)

    router = app.router
    router.add_post("/webhooks/twilio/sms", sms_webhook)
    router.add_post("/webhooks/twilio/status", status_webhook)
    router.add_post("/webhooks/twilio/voice", voice_webhook)
    router.add_post("/webhooks/email/inbound", email_inbound_webhook)
    router.add_get("/unsubscribe/{token}", unsubscribe_page)
    router.add_post("/unsubscribe/{token}", unsubscribe_confirm)
    router.add_route("GET", "/widget/session", session_handler)
    router.add_route("POST", "/widget/session", session_handler)
    router.add_route("OPTIONS", "/widget/session", widget_options)
    router.add_get("/widget/ws", socket_handler)
    setup_simulator(app)
    app.cleanup_ctx.append(smtp_listener)
    app.cleanup_ctx.append(forget_changed_orgs)
