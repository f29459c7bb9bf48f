"""``careline preview-reminders`` and ``careline reminders plan-all``.

``preview-reminders`` prints an appointment's reminder timeline as JSON.

Reads one JSON document (a file, or standard input with ``-``) describing an appointment, its
patient, resources and the reminder settings (docs/preview-reminders.md), plans the reminders
and prints the timeline. Invalid JSON or a bad field prints a message naming the line or the
field and exits with status 2. Needs no database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from domain.errors import NotFound, ValidationError
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
    reminders = subparsers.add_parser("reminders", help="reminder maintenance")
    actions = reminders.add_subparsers(dest="reminders_command", required=True,
                                       metavar="ACTION")
    plan_all = actions.add_parser(
        "plan-all",
        help="plan the reminders of every upcoming appointment",
        description="Plan the reminders of every upcoming appointment in bulk (after an EHR "
        "import, a change of settings, or as a nightly re-plan). Idempotent: appointments "
        "already planned end exactly as a re-plan leaves them; a second run changes nothing.",
    )
    plan_all.add_argument("--org", metavar="ORG_ID", help="only this organisation")
    plan_all.add_argument("--json", action="store_true", help="print the summary as JSON")
    plan_all.set_defaults(handler=_plan_all)
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


def _plan_all(args: argparse.Namespace, settings: Any) -> int:
    from domain.clock import SystemClock
    from domain.storage.database import Database
    from gateway.reminders.bulk_plan import PlanAllSummary, plan_all

    stdout = getattr(args, "stdout", None) or sys.stdout

    async def run() -> PlanAllSummary:
        db = Database(settings.database_url)
        try:
            return await plan_all(db, org_id=args.org, now=SystemClock().now())
        finally:
            await db.dispose()

    try:
        summary = asyncio.run(run())
    except NotFound as error:
        if error.entity != "organization" or error.key != args.org:
            raise
        print(f"careline: --org: there is no organization {args.org!r}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(summary.to_json(), stdout)
        stdout.write("\n")
    else:
        print(f"planned {summary.appointments} upcoming appointment(s) in "
              f"{summary.organizations} organization(s): {summary.bulk} in bulk, "
              f"{summary.replanned} re-planned, {summary.unchanged} unchanged; "
              f"{summary.rows_written} reminder row(s) written, "
              f"{summary.rows_skipped} already there", file=stdout)
    return 0
