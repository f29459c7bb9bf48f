"""``setup_bot(app)``: the website chat bot. The lead adds it to ``create_app``'s features
(after ``setup_channels``; it needs SETTINGS, CLOCK, DB and STORES, and uses the Hub's
authentication for ``/api/bot`` when ``setup_hub`` is installed).

At start-up it takes over widget conversations in the inbound pipeline (other channels still go
to the Responder that was there: the dialog manager or the Hub) and starts the inactivity timer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from aiohttp import web
from sqlalchemy.exc import IntegrityError, OperationalError

from domain.storage.repositories import PracticeRepository
from gateway.bot.catalogs import CatalogCache
from gateway.bot.flow_store import FlowStore
from gateway.bot.flows_api import setup_flows_api
from gateway.bot.inactivity import InactivityScheduler
from gateway.bot.keys import BOT, BotService
from gateway.bot.responder import WidgetBotResponder
from gateway.bot.runner import BotRunner
from gateway.bot.widget_routes import setup_widget_routes
from gateway.inbound.keys import PIPELINE
from gateway.keys import CLOCK, DB, SETTINGS, STORES
from gateway.logs import get_logger
from gateway.webhooks.keys import WIDGET_FRAMES

__all__ = ["setup_bot"]

log = get_logger(__name__)


def setup_bot(app: web.Application, *, tick_seconds: float = 5.0,
              catalog_ttl: float = 5.0) -> None:
    """Register the chat bot on ``app``.

    Args:
        app: the application (before start-up).
        tick_seconds: how often the inactivity timer looks for quiet visitors.
        catalog_ttl: seconds an organisation's flows are reused before being read again.
    """
    catalogs = CatalogCache(ttl=catalog_ttl)
    runner = BotRunner(catalogs, app[SETTINGS].resolved_secret_key())
    scheduler = InactivityScheduler(app[DB], app[STORES], app[CLOCK], runner, None,
                                    interval=tick_seconds)
    app[BOT] = BotService(runner=runner, catalogs=catalogs, scheduler=scheduler)
    setup_widget_routes(app)
    setup_flows_api(app)
    app.cleanup_ctx.append(_run)


async def _run(app: web.Application) -> AsyncIterator[None]:
    """Plug the bot into the pipeline, give organisations without flows the shipped examples,
    then run the timer until the app stops."""
    service = app[BOT]
    await _seed(app)
    pipeline = app.get(PIPELINE)
    if pipeline is not None and not isinstance(pipeline.responder, WidgetBotResponder):
        pipeline.responder = WidgetBotResponder(service.runner, pipeline.responder)
    service.scheduler.frames = app.get(WIDGET_FRAMES)
    async for _ in service.scheduler.background(app):
        yield


async def _seed(app: web.Application, attempts: int = 5) -> None:
    """Give every organisation without flows the shipped examples (retried: other parts of the
    app may be writing at start-up too)."""
    for attempt in range(attempts):
        try:
            async with app[DB].transaction() as conn:
                for org in await PracticeRepository(conn).organizations():
                    await FlowStore(conn).seed_examples(org.id, app[CLOCK].now())
            return
        except (OperationalError, IntegrityError):
            await asyncio.sleep(0.1 * (attempt + 1))
    log.warning("bot_seed_postponed")  # each organisation is seeded on its first use instead
