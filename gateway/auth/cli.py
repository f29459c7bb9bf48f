"""``careline user create`` and ``careline user list``: staff accounts from the command line
(the first admin of a fresh installation, or scripted set-ups).

The password is never an argument (it would end up in the shell history and the process
list): it comes from ``CARELINE_NEW_PASSWORD``, or is asked twice when standard input is a
terminal. Errors name the option that is wrong and exit with status 2 (bad input) or 1 (the
email is taken).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from domain.clock import SystemClock
from domain.errors import Conflict, ValidationError
from domain.model import StaffUser
from domain.model.enums import Role
from domain.storage.database import Database
from domain.storage.repositories import PracticeRepository, StaffRepository
from gateway.auth.accounts import create_user
from gateway.settings import Settings

__all__ = ["PASSWORD_VARIABLE", "add_parser", "handler", "read_password"]

PASSWORD_VARIABLE = "CARELINE_NEW_PASSWORD"
ROLES = ("admin", "manager", "staff")
_OPTION_OF_FIELD = {"user.email": "--email", "email": "--email", "user.name": "--name",
                    "name": "--name", "group_ids": "--group", "org_id": "--org",
                    "password": "password"}


class PasswordUnavailable(Exception):
    """No password could be read (no variable, and standard input is not a terminal)."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``user`` (with ``create`` and ``list``) to the ``careline`` command's subparsers."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "user", help="create and list staff accounts",
        description="Manage staff accounts of the Hub from the command line.")
    actions = parser.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create", help="add a staff user",
        description=f"Add a staff user. The password is read from {PASSWORD_VARIABLE}, or "
        "asked twice when standard input is a terminal.")
    create.add_argument("--email", required=True, help="sign-in email (unique)")
    create.add_argument("--name", required=True, help="name shown to colleagues")
    create.add_argument("--role", required=True, choices=ROLES,
                        help="admin (everything), manager or staff")
    create.add_argument("--group", action="append", default=[], metavar="GROUP",
                        help="a group (id or name) granting facilities; repeatable")
    create.add_argument("--org", default=None, metavar="ORG_ID",
                        help="the organisation (needed only when there are several)")
    create.set_defaults(handler=handler)
    listing = actions.add_parser("list", help="list staff users (no password data)")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(handler=handler)
    return parser


def read_password(environ: Mapping[str, str], stdin: TextIO,
                  ask: Callable[[str], str] | None = None) -> str:
    """The new user's password: ``CARELINE_NEW_PASSWORD``, or typed twice on a terminal.

    Raises:
        PasswordUnavailable: no variable and standard input is not a terminal.
        ValidationError: the two typed passwords differ (``field`` is ``password``).
    """
    password = environ.get(PASSWORD_VARIABLE)
    if password:
        return password
    if not stdin.isatty():
        raise PasswordUnavailable(
            f"set {PASSWORD_VARIABLE} or run the command in a terminal to type the password")
    prompt = ask or getpass.getpass
    first = prompt("Password: ")
    if prompt("Password again: ") != first:
        raise ValidationError("password", "the two passwords differ")
    return first


def handler(args: argparse.Namespace, settings: Settings | None) -> int:
    """Run ``careline user create`` or ``careline user list``; the exit status."""
    assert settings is not None
    stdout: TextIO = getattr(args, "stdout", None) or sys.stdout
    if args.user_command == "list":
        return asyncio.run(_list(settings, stdout, as_json=args.json))
    environ = getattr(args, "environ", None) or os.environ
    stdin: TextIO = getattr(args, "stdin", None) or sys.stdin
    try:
        password = read_password(environ, stdin)
        user = asyncio.run(_create(settings, args, password))
    except PasswordUnavailable as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        option = _OPTION_OF_FIELD.get(exc.field, exc.field)
        print(f"careline: {option}: {exc.reason}", file=sys.stderr)
        return 2
    except Conflict:
        print(f"careline: --email: a user with the email {args.email!r} exists already",
              file=sys.stderr)
        return 1
    print(f"created {user.role.value} {user.email} ({user.id})", file=stdout)
    return 0


async def _create(settings: Settings, args: argparse.Namespace, password: str) -> StaffUser:
    db = Database(settings.database_url)
    try:
        group_ids = await _group_ids(db, args.org, args.group)
        return await create_user(db, email=args.email, name=args.name, role=Role(args.role),
                                 password=password, now=SystemClock().now(), org_id=args.org,
                                 group_ids=group_ids)
    finally:
        await db.dispose()


async def _group_ids(db: Database, org_id: str | None, wanted: Sequence[str]) -> list[str]:
    """Group ids for ``wanted`` ids or names (names matched without regard to case); unknown
    ones are passed on so that ``create_user`` names them."""
    if not wanted:
        return []
    async with db.read() as conn:
        if org_id is None:
            organizations = await PracticeRepository(conn).organizations()
            if len(organizations) != 1:
                return list(wanted)
            org_id = organizations[0].id
        groups = await StaffRepository(conn).groups(org_id)
    by_name = {g.name.casefold(): g.id for g in groups.values()}
    return [g if g in groups else by_name.get(g.casefold(), g) for g in wanted]


async def _list(settings: Settings, stdout: TextIO, *, as_json: bool) -> int:
    db = Database(settings.database_url)
    try:
        async with db.read() as conn:
            users = [u for org in await PracticeRepository(conn).organizations()
                     for u in await StaffRepository(conn).users(org.id)]
    finally:
        await db.dispose()
    for user in sorted(users, key=lambda u: u.email):
        fields = {"id": user.id, "email": user.email, "name": user.name,
                  "role": user.role.value, "active": user.active,
                  "groups": sorted(user.group_ids)}
        if as_json:
            print(json.dumps(fields), file=stdout)
        else:
            state = "" if user.active else " (inactive)"
            print(f"{user.email}\t{user.role.value}\t{user.name}{state}", file=stdout)
    return 0
