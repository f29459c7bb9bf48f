"""The ``careline actions`` command (the lead wires :func:`add_parser` into gateway/cli.py)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_parser", "main"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``actions`` to the ``careline`` command's subparsers.

    The handler follows gateway/cli.py: ``handler(args, settings) -> exit code``.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "actions",
        help="serve Careline's dialog actions with the Rasa action server",
        description="Serve the dialog actions (confirm/cancel appointments, open slots, "
        "booking, waitlist, referral status, refills, hand-over to staff) with the rasa_sdk "
        "action server, for any Rasa assistant: point its endpoints.yml action_endpoint at "
        "http://HOST:PORT/webhook.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=5055, help="port to bind (default 5055)")
    parser.set_defaults(handler=_actions)
    return parser


def _actions(args: argparse.Namespace, settings: Any) -> int:
    if not 0 < args.port < 65536:
        print("careline: --port must be between 1 and 65535", file=sys.stderr)
        return 2
    from dialogs.actions.server import serve

    print(f"Careline dialog actions on http://{args.host}:{args.port}/webhook",
          file=getattr(args, "stdout", sys.stdout), flush=True)
    serve(settings.database_url, host=args.host, port=args.port)
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m dialogs.actions [--host H] [--port P]`` with settings from the environment."""
    import os

    from gateway.settings import Settings, SettingsError

    parser = argparse.ArgumentParser(prog="careline")
    commands = parser.add_subparsers(dest="command", required=True)
    add_parser(commands)
    args = parser.parse_args(["actions", *(sys.argv[1:] if argv is None else argv)])
    try:
        settings = Settings.from_environ(dict(os.environ))
    except SettingsError as exc:
        print(f"careline: configuration error: {exc}", file=sys.stderr)
        return 2
    return int(args.handler(args, settings))
