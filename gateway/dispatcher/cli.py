"""``careline worker``: a dispatcher worker process, for scale-out next to ``careline serve``.

Several workers may run side by side (and with the dispatcher embedded in ``serve``): on
PostgreSQL they claim disjoint batches; Redis (``CARELINE_REDIS_URL``) shares the sending
numbers' rate limits between them. SIGTERM or SIGINT stops a worker gracefully: it stops
claiming, lets running attempts finish and records them.

The composition root wires it with
``add_parser(commands, build_senders=channels.senders.build_senders, build_renderer=...)``;
for tests and benchmarks ``--senders MODULE:FUNCTION`` names a factory (same signature)
instead, e.g. ``--senders gateway.dispatcher.testing:senders_from_env``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from functools import partial
from typing import Any, Protocol

from channels.base import Sender
from domain.clock import Clock, SystemClock
from domain.model import Channel
from domain.storage.database import Database
from gateway.dispatcher.config import DispatcherConfig
from gateway.dispatcher.rendering import Renderer
from gateway.dispatcher.worker import Dispatcher
from gateway.settings import Settings, SettingsError
from gateway.stores.factory import Stores

__all__ = ["RendererFactory", "SendersFactory", "add_parser", "main", "run_worker"]

class SendersFactory(Protocol):
    """Builds a worker's channel senders (``channels.senders.build_senders`` fits)."""

    def __call__(
        self, settings: Settings, *, db: Database, stores: Stores, clock: Clock
    ) -> Mapping[Channel, Sender]:
        """The senders, one per channel the worker sends; nothing connects yet."""
        ...


class RendererFactory(Protocol):
    """Builds the worker's template renderer (e.g. the reminders' ``TemplateRenderer``)."""

    def __call__(self, settings: Settings, *, db: Database) -> Renderer:
        """The renderer."""
        ...


def add_parser(
    subparsers: Any,
    *,
    build_senders: SendersFactory | None = None,
    build_renderer: RendererFactory | None = None,
) -> argparse.ArgumentParser:
    """Add the ``worker`` command to the ``careline`` command line.

    Args:
        subparsers: the ``add_subparsers()`` object of the ``careline`` parser.
        build_senders: the product's channel senders (``--senders`` overrides it).
        build_renderer: the product's template renderer (default: row bodies only).

    Returns:
        The ``worker`` parser; its handler is ``args.handler(args, settings) -> exit code``.
    """
    worker: argparse.ArgumentParser = subparsers.add_parser(
        "worker",
        help="run an outbox dispatcher worker (scale-out)",
        description="Claim due outbox messages, re-check the delivery rules, send them and "
        "record the outcome, until stopped with SIGTERM or Ctrl-C. Run several side by side "
        "on PostgreSQL; they never send a message twice.",
    )
    worker.add_argument("--senders", metavar="MODULE:FUNCTION",
                        help="factory of the channel senders (tests, benchmarks)")
    worker.add_argument("--once", action="store_true",
                        help="send what is due now, reconcile expired leases, then exit")
    worker.add_argument("--batch-size", type=int, default=200, help="rows per claim (200)")
    worker.add_argument("--lease", type=float, default=60.0,
                        help="seconds a claim lasts before other workers re-examine it (60)")
    worker.add_argument("--send-timeout", type=float, default=20.0,
                        help="seconds a provider call may take (20)")
    worker.add_argument("--concurrency", type=int, default=128,
                        help="provider calls at once (128)")
    worker.add_argument("--reap-interval", type=float, default=5.0,
                        help="seconds between looks for expired leases (5)")
    worker.set_defaults(
        handler=partial(_handle, build_senders=build_senders, build_renderer=build_renderer)
    )
    return worker


def _load(path: str) -> Callable[..., Any]:
    module, _, name = path.partition(":")
    if not module or not name:
        raise ValueError("--senders must look like package.module:function")
    factory: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return factory


def _handle(
    args: argparse.Namespace,
    settings: Settings | None,
    *,
    build_senders: SendersFactory | None,
    build_renderer: RendererFactory | None,
) -> int:
    assert settings is not None
    try:
        config = DispatcherConfig(
            batch_size=args.batch_size, lease=timedelta(seconds=args.lease),
            send_timeout=args.send_timeout, send_concurrency=args.concurrency,
            reap_interval=args.reap_interval,
            pacing_hold=min(10.0, max(0.0, args.lease - args.send_timeout - 1.0)),
        )
        factory: SendersFactory | None = (
            _load(args.senders) if args.senders else build_senders
        )
    except Exception as exc:  # a bad option: say which, exit 2
        print(f"careline worker: {exc}", file=sys.stderr)
        return 2
    if factory is None:
        print("careline worker: no channel senders are configured", file=sys.stderr)
        return 2
    from gateway import event_loop
    from gateway.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    event_loop.run(run_worker(settings, factory, config=config, build_renderer=build_renderer,
                              once=args.once))
    return 0


async def run_worker(
    settings: Settings,
    build_senders: SendersFactory,
    *,
    config: DispatcherConfig | None = None,
    build_renderer: RendererFactory | None = None,
    once: bool = False,
) -> None:
    """Run one worker until SIGTERM/SIGINT (or, with ``once``, until nothing is due)."""
    from gateway.stores.factory import build_stores

    db = await asyncio.to_thread(Database, settings.database_url)  # may create the data dir
    stores = build_stores(settings.redis_url, prefix=settings.redis_prefix)
    clock = SystemClock()
    senders = build_senders(settings, db=db, stores=stores, clock=clock)
    renderer = build_renderer(settings, db=db) if build_renderer is not None else None
    dispatcher = Dispatcher(
        db, senders, clock=clock, config=config, renderer=renderer,
        rate_limiter=stores.rate_limiter, pubsub=stores.pubsub,
        worker_id=settings.worker_id or None,
    )
    try:
        if once:
            await dispatcher.reconcile()
            await dispatcher.drain()
            return
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await dispatcher.start()
        await stop.wait()
        await dispatcher.stop()
    finally:
        for sender in {id(s): s for s in senders.values()}.values():
            close = getattr(sender, "aclose", None)
            if close is not None:
                await close()
        await stores.close()
        await db.dispose()


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """``python -m gateway.dispatcher.cli worker ...`` (before the lead wires ``careline``)."""
    import os

    parser = argparse.ArgumentParser(prog="careline")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_environ(dict(os.environ if environ is None else environ))
    except SettingsError as exc:
        print(f"careline: configuration error: {exc}", file=sys.stderr)
        return 2
    handler: Callable[[argparse.Namespace, Settings | None], int] = args.handler
    return handler(args, settings)


if __name__ == "__main__":
    raise SystemExit(main())
