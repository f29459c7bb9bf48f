"""Messaging activity API (REM-44..REM-48): plain JSON lists for staff.

``GET /api/activity`` returns every list at once; ``GET /api/activity/{list}`` one of
``last-sent``, ``last-undelivered`` (``?final=1``: only messages no retry follows),
``needs-attention``, ``last-responses``, ``next-scheduled``. Common query parameter:
``limit`` (1-200, default 25). ``POST /api/activity/messages/{id}/resend`` sends an unknown,
failed or blocked message again, as a new row that goes through the delivery rules.

Who sees what is decided by a *scope resolver* (organisation and facilities). The Hub's
authentication layer provides it: ``setup_activity_api(app, scope=resolver)`` where
``resolver(request)`` returns ``ActivityScope(p.org_id, p.access, p.user.id)`` for the
request's principal ``p`` (or raises 401/403). Without one, the development default reads
``org_id`` (required) and ``facility_id`` (repeatable) from the query string -- never
expose that default publicly.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import NotFound
from domain.model import OutboxMessage
from domain.storage.repositories import OutboxRepository
from gateway.dispatcher.activity import (
    ActivityScope,
    last_responses,
    last_sent,
    last_undelivered,
    needs_attention,
    next_scheduled,
)
from gateway.dispatcher.retrying import resend
from gateway.errors import bad_request
from gateway.keys import CLOCK, DB

__all__ = ["ACTIVITY_SCOPE", "ActivityScope", "ScopeResolver", "query_scope", "setup_activity_api"]

ScopeResolver = Callable[[web.Request], "ActivityScope | Awaitable[ActivityScope]"]
"""Finds the caller's scope; raises an HTTP error (401/403) when there is none."""

ACTIVITY_SCOPE: web.AppKey[ScopeResolver] = web.AppKey("activity_scope")

_DEFAULT_LIMIT = 25
_MAX_LIMIT = 200

Lister = Callable[..., Awaitable[list[dict[str, Any]]]]


def query_scope(request: web.Request) -> ActivityScope:
    """Development scope: ``?org_id=...&facility_id=...`` (see the module notes)."""
    org_id = request.query.get("org_id", "").strip()
    if not org_id:
        raise bad_request("org_id is required", field="org_id", status=422)
    facilities = request.query.getall("facility_id", [])
    return ActivityScope(org_id, frozenset(facilities) if facilities else None)


async def _scope(request: web.Request) -> ActivityScope:
    found = request.app[ACTIVITY_SCOPE](request)
    scope = await found if inspect.isawaitable(found) else found
    requested = request.query.getall("facility_id", [])
    if requested and request.app[ACTIVITY_SCOPE] is not query_scope:
        allowed = scope.facility_ids
        wanted = frozenset(requested)
        if allowed is not None and not wanted <= allowed:
            raise bad_request("no access to that facility", field="facility_id", status=403)
        scope = ActivityScope(scope.org_id, wanted, scope.staff_user_id)
    return scope


def _limit(request: web.Request) -> int:
    raw = request.query.get("limit", str(_DEFAULT_LIMIT))
    try:
        value = int(raw)
    except ValueError:
        raise bad_request("limit must be a whole number", field="limit", status=422) from None
    if not 1 <= value <= _MAX_LIMIT:
        raise bad_request(f"limit must be between 1 and {_MAX_LIMIT}", field="limit", status=422)
    return value


async def _undelivered(request: web.Request, conn: AsyncConnection, scope: ActivityScope,
                       limit: int) -> list[dict[str, Any]]:
    final = request.query.get("final", "") in ("1", "true", "yes")
    return await last_undelivered(conn, scope, limit=limit, final_only=final)


def _simple(lister: Lister) -> Callable[..., Awaitable[list[dict[str, Any]]]]:
    async def run(request: web.Request, conn: AsyncConnection, scope: ActivityScope,
                  limit: int) -> list[dict[str, Any]]:
        return await lister(conn, scope, limit=limit)

    return run


_LISTS = {
    "last-sent": _simple(last_sent),
    "last-undelivered": _undelivered,
    "needs-attention": _simple(needs_attention),
    "last-responses": _simple(last_responses),
    "next-scheduled": _simple(next_scheduled),
}


async def activity(request: web.Request) -> web.Response:
    """``GET /api/activity``: every list, keyed ``last_sent``, ``last_undelivered``, ..."""
    scope, limit = await _scope(request), _limit(request)
    async with request.app[DB].read() as conn:
        body = {
            name.replace("-", "_"): await run(request, conn, scope, limit)
            for name, run in _LISTS.items()
        }
    return web.json_response(body)


async def resend_message(request: web.Request) -> web.Response:
    """``POST /api/activity/messages/{outbox_id}/resend``: send an unknown, failed or blocked
    message again (a new outbox row through the delivery rules). 201 ``{"id": ...}``; 404
    outside the caller's scope; 409 when the message cannot be sent again."""
    scope = await _scope(request)
    db = request.app[DB]
    async with db.transaction() as conn:
        try:
            message = await OutboxRepository(conn).get(request.match_info["outbox_id"])
        except NotFound:
            message = None
        if message is None or not _visible(message, scope):
            raise bad_request("no such message", status=404)
        again = await resend(conn, message, now=request.app[CLOCK].now(),
                             by=scope.staff_user_id)
    return web.json_response({"id": again.id, "retry_of": message.id}, status=201)


def _visible(message: OutboxMessage, scope: ActivityScope) -> bool:
    if message.org_id != scope.org_id:
        return False
    return scope.facility_ids is None or message.facility_id in scope.facility_ids


async def activity_list(request: web.Request) -> web.Response:
    """``GET /api/activity/{list}``: one list, as ``{"items": [...]}``."""
    run = _LISTS.get(request.match_info["list"])
    if run is None:
        raise bad_request(
            f"unknown list; one of {', '.join(_LISTS)}", field="list", status=404
        )
    scope, limit = await _scope(request), _limit(request)
    async with request.app[DB].read() as conn:
        items = await run(request, conn, scope, limit)
    return web.json_response({"items": items})


def setup_activity_api(app: web.Application, *, scope: ScopeResolver | None = None) -> None:
    """Register the activity routes.

    Args:
        app: the application (with its database).
        scope: finds the caller's organisation and facilities (default :func:`query_scope`,
            for development only).
    """
    app[ACTIVITY_SCOPE] = scope or query_scope
    app.router.add_get("/api/activity", activity)
    app.router.add_get("/api/activity/{list}", activity_list)
    app.router.add_post("/api/activity/messages/{outbox_id}/resend", resend_message)
