"""The composition root: ``create_app(settings)`` wires every part of Careline together.

Nothing happens at import time; clients and pools open and close in ``cleanup_ctx``.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry

from domain.clock import Clock, SystemClock
from domain.storage.database import Database
from gateway.errors import error_middleware
from gateway.keys import CLOCK, DB, METRICS_REGISTRY, SETTINGS, STORES
from gateway.metrics import METRICS, Metrics, metrics_handler, metrics_middleware
from gateway.settings import Settings
from gateway.stores.factory import build_stores

__all__ = ["create_app", "freeze_startup_objects"]

Feature = Callable[[web.Application], None]


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = False,
    features: list[Feature] | None = None,
) -> web.Application:
    """Build the Careline web application.

    Args:
        settings: process settings (``Settings.from_environ``).
        clock: the time source; tests pass a movable clock.
        migrate: apply database migrations on start-up (the CLI migrates before serving).
        features: extra setup functions, each registering routes and background tasks.
    """
    app = web.Application(
        middlewares=[metrics_middleware, error_middleware], client_max_size=1024 * 1024
    )
    registry = CollectorRegistry()
    app[SETTINGS] = settings
    app[CLOCK] = clock or SystemClock()
    app[METRICS_REGISTRY] = registry
    app[METRICS] = Metrics(registry)
    app[DB] = Database(settings.database_url)
    app[STORES] = build_stores(settings.redis_url, prefix=settings.redis_prefix)

    async def resources(app: web.Application) -> AsyncIterator[None]:
        if migrate:
            await app[DB].upgrade()
        yield
        await app[STORES].close()
        await app[DB].dispose()

    app.cleanup_ctx.append(resources)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_handler)
    for feature in features if features is not None else default_features():
        feature(app)
    return app


def default_features() -> list[Feature]:
    """The product's parts, in the order they register.

    Channels come first (the inbound pipeline), then the dialogs that answer patients, the Hub,
    reminders (the dispatcher's renderer), the waitlist and reschedule flows, the website bot
    (it wraps the responder for widget chats), and last the senders and the dispatcher.
    """
    from gateway.bot.setup import setup_bot
    from gateway.dialog_responder import setup_dialogs
    from gateway.dispatcher.setup import setup_dispatcher
    from gateway.hub import setup_hub
    from gateway.outbound import setup_senders
    from gateway.reminders import setup_reminders
    from gateway.waitlist import setup_waitlist
    from gateway.webhooks import setup_channels

    return [
        setup_channels,
        setup_dialogs,
        setup_hub,
        setup_reminders,
        setup_waitlist,
        setup_bot,
        setup_senders,
        setup_dispatcher,
    ]


async def freeze_startup_objects(app: web.Application) -> None:
    """Leave what start-up made out of every later garbage collection (``careline serve``
    adds this as the last start-up step).

    A process that has imported all of Careline holds some 140,000 objects the collector
    tracks: modules, classes, SQLAlchemy's and Alembic's structures. A full collection walks
    them all and stops the event loop for tens of milliseconds each time, which was most of
    the webhook's p99 at 200 requests/s. They live as long as the process, so they are
    collected once and frozen (``gc.freeze``): later collections walk only what was made
    since. The thresholds stay Python's: with start-up frozen, young collections take well
    under a millisecond, and raising the thresholds would only make each one longer.
    """
    gc.collect()
    gc.freeze()


async def healthz(request: web.Request) -> web.Response:
    """The process is up."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """The database and (when configured) Redis answer; 503 otherwise."""
    checks = {
        "database": await request.app[DB].ping(),
        "redis": await request.app[STORES].ping(),
    }
    ok = all(checks.values())
    return web.json_response(
        {"status": "ready" if ok else "not_ready", "checks": checks}, status=200 if ok else 503
    )
