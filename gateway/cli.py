"""The ``careline`` command line: serve, migrate, load demo data, and the product's tools."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from gateway.settings import Settings, SettingsError

__all__ = ["main"]

Command = Callable[[argparse.Namespace, Settings | None], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="careline",
        description="Careline: patient-engagement messaging (reminders, waitlist, Hub, chat bot).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="migrate the database, then serve the web app (and the dispatcher)",
        description="Apply migrations, then serve Careline. With --demo, an empty database is "
        "first filled with the synthetic demo clinic.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port to bind (default 8080)")
    serve.add_argument("--demo", action="store_true", help="load demo data into an empty database")
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_commands.add_parser("upgrade", help="apply all migrations")
    upgrade.add_argument("revision", nargs="?", default="head", help="target (default head)")
    upgrade.set_defaults(handler=_db_upgrade)
    current = db_commands.add_parser("current", help="print the applied migration")
    current.set_defaults(handler=_db_current)

    demo = commands.add_parser(
        "demo-data",
        help="load the synthetic demo clinic into an empty database",
        description="Load a synthetic clinic network (3 facilities, 10 providers, 500 patients, "
        "two weeks of appointments). Refuses to touch a database that already has data.",
    )
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument("--patients", type=int, default=500, help="number of patients (default 500)")
    demo.set_defaults(handler=_demo_data)

    from dialogs.understanding import cli as classify_cli

    classify = commands.add_parser(
        "classify",
        help="classify patient replies read from stdin, one JSON line each",
        description="Read one reply per line (UTF-8) on stdin and write one JSON object per "
        'line: {"text", "intent", "language", "confidence"} (plus "option" when a numbered '
        "choice was picked). The context is a reminder unless --context says otherwise.",
    )
    classify_cli.add_arguments(classify)
    classify.set_defaults(handler=_classify, needs_settings=False)

    from dialogs import drawing
    from dialogs.actions import cli as actions_cli

    actions_cli.add_parser(commands)
    drawing.add_parser(commands)

    from gateway.dispatcher import cli as worker_cli
    from gateway.reminders import cli as reminders_cli

    worker_cli.add_parser(commands, build_senders=_worker_senders, build_renderer=_renderer)
    reminders_cli.add_parser(commands)

    from gateway.auth import cli as user_cli

    user_cli.add_parser(commands)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: dict[str, str] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.stdin = stdin or sys.stdin
    args.stdout = stdout or sys.stdout
    settings: Settings | None = None
    if getattr(args, "needs_settings", True):
        try:
            settings = Settings.from_environ(environ if environ is not None else dict(os.environ))
        except SettingsError as exc:
            print(f"careline: configuration error: {exc}", file=sys.stderr)
            return 2
    handler: Command = args.handler
    return handler(args, settings)


def _worker_senders(settings: Settings, *, db: Any, stores: Any, clock: Any) -> Any:
    from channels.senders import build_senders

    return build_senders(settings, db=db, stores=stores, clock=clock)


def _renderer(settings: Settings, *, db: Any) -> Any:
    from gateway.reminders.renderer import TemplateRenderer

    return TemplateRenderer(
        db, public_url=settings.public_url, secret_key=settings.resolved_secret_key()
    )


def _classify(args: argparse.Namespace, settings: Settings | None) -> int:
    from dialogs.understanding import cli as classify_cli

    return classify_cli.run(args, args.stdin, args.stdout)


def _serve(args: argparse.Namespace, settings: Settings | None) -> int:
    assert settings is not None
    from aiohttp import web

    from gateway import event_loop
    from gateway.app import create_app, freeze_startup_objects
    from gateway.logs import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    if not 0 < args.port < 65536:
        print("careline: --port must be between 1 and 65535", file=sys.stderr)
        return 2
    asyncio.run(_prepare(settings, demo=args.demo, out=args.stdout))
    print(f"Careline is serving on http://{args.host}:{args.port}", file=args.stdout, flush=True)
    app = create_app(settings)
    app.on_startup.append(freeze_startup_objects)
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None,
                loop=event_loop.new_event_loop())
    return 0


async def _prepare(settings: Settings, *, demo: bool, out: TextIO) -> None:
    from domain.storage.database import Database

    db = Database(settings.database_url)
    try:
        await db.upgrade()
        if demo:
            from gateway.demo_data import build_demo, load_demo

            if await load_demo(db, build_demo()):
                print("Loaded the demo clinic (staff sign-in: see README).", file=out)
    finally:
        await db.dispose()


def _db_upgrade(args: argparse.Namespace, settings: Settings | None) -> int:
    assert settings is not None
    from domain.storage.database import Database

    async def run() -> str | None:
        db = Database(settings.database_url)
        try:
            await db.upgrade(args.revision)
            return await db.current_revision()
        finally:
            await db.dispose()

    print(f"database at revision {asyncio.run(run())}", file=args.stdout)
    return 0


def _db_current(args: argparse.Namespace, settings: Settings | None) -> int:
    assert settings is not None
    from domain.storage.database import Database

    async def run() -> str | None:
        db = Database(settings.database_url)
        try:
            return await db.current_revision()
        finally:
            await db.dispose()

    print(asyncio.run(run()) or "none", file=args.stdout)
    return 0


def _demo_data(args: argparse.Namespace, settings: Settings | None) -> int:
    assert settings is not None
    if args.patients < 1 or args.patients > 100_000:
        print("careline: --patients must be between 1 and 100000", file=sys.stderr)
        return 2
    from domain.storage.database import Database
    from gateway.demo_data import build_demo, load_demo

    async def run() -> bool:
        db = Database(settings.database_url)
        try:
            await db.upgrade()
            return await load_demo(db, build_demo(seed=args.seed, patients=args.patients))
        finally:
            await db.dispose()

    if not asyncio.run(run()):
        print("careline: the database already has data; demo data was not loaded", file=sys.stderr)
        return 1
    print("demo data loaded", file=args.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
