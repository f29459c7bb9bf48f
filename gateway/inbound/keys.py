"""Application keys of the inbound side: the pipeline, and the Responder a feature may plug in.

The dialog manager sets ``app[RESPONDER] = manager`` in its setup (before start-up); until
then, and when nothing is set, :class:`~gateway.inbound.hub_responder.HubResponder` answers.
"""

from __future__ import annotations

from aiohttp import web

from gateway.inbound.addresses import AddressBook
from gateway.inbound.pipeline import InboundPipeline
from gateway.inbound.responder import Responder

__all__ = ["ADDRESS_BOOK", "PIPELINE", "RESPONDER"]

PIPELINE = web.AppKey("inbound_pipeline", InboundPipeline)
RESPONDER = web.AppKey("inbound_responder", Responder)
ADDRESS_BOOK = web.AppKey("address_book", AddressBook)
