"""``careline preview-reminders``: print an appointment's reminder timeline as JSON.

Reads one JSON document (a file, or standard input with ``-``) describing an appointment, its
patient, resources and the reminder settings (docs/preview-reminders.md), plans the reminders
and prints the timeline. Invalid JSON or a bad field prints a message naming the line or the
field and exits with status 2. Needs no database.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from domain.errors import ValidationError
from domain.reminders import plan_reminders, timeline, timeline_json
from gateway.reminders.preview_input import parse_preview

__all__ = ["add_parser", "preview"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``preview-reminders`` to the ``careline`` command's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "preview-reminders",
        help="print the reminder timeline of an appointment described in JSON",
        description="Plan the reminders of one appointment described in JSON (see "
        "docs/preview-reminders.md) and print every planned, skipped and blocked message "
        "with the rule that decided it.",
    )
    parser.add_argument("input", nargs="?", default="-",
                        help="the JSON file, or - for standard input (default)")
    parser.set_defaults(handler=_run)
    return parser


def preview(text: str) -> dict[str, Any]:
    """The timeline JSON of the appointment described by ``text``.

    Raises:
        ValueError: the text is not JSON (the message names line and column).
        ValidationError: a field is wrong (``field`` names it).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"line {error.lineno}, column {error.colno}: {error.msg}") from None
    request = parse_preview(data)
    plan = plan_reminders(request)
    return timeline_json(request.appointment, plan.zone, timeline(plan, []))


def _run(args: argparse.Namespace, settings: object) -> int:
    stdout = getattr(args, "stdout", None) or sys.stdout
    stdin = getattr(args, "stdin", None) or sys.stdin
    try:
        if args.input == "-":
            text = stdin.read()
        else:
            with open(args.input, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as error:
        print(f"careline: cannot read {args.input}: {error.strerror}", file=sys.stderr)
        return 2
    try:
        result = preview(text)
    except ValueError as error:
        print(f"careline: {args.input}: not valid JSON: {error}", file=sys.stderr)
        return 2
    except ValidationError as error:
        print(f"careline: {args.input}: {error.field}: {error.reason}", file=sys.stderr)
        return 2
    json.dump(result, stdout, indent=2, ensure_ascii=False)
    stdout.write("\n")
    return 0
