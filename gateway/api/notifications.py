"""The signed-in user's notifications (@mentions, HUB-12)."""

from __future__ import annotations

from aiohttp import web

from gateway.api._body import read_json
from gateway.api.views import json_ok
from gateway.auth.request import current_principal
from gateway.errors import bad_request
from gateway.hub.notifications import NotificationStore
from gateway.keys import CLOCK, DB

__all__ = ["list_notifications", "read_notifications"]


async def list_notifications(request: web.Request) -> web.Response:
    """``GET /api/notifications``: newest first, only for chats the user may still see."""
    principal = current_principal(request)
    unread_only = request.query.get("unread") in ("1", "true")
    async with request.app[DB].read() as conn:
        store = NotificationStore(conn)
        rows = await store.for_user(principal.user_id, unread_only=unread_only)
    items = [
        {"id": r["id"], "kind": r["kind"], "conversation_id": r["conversation_id"],
         "note_id": r["note_id"], "actor_id": r["actor_id"], "actor_name": r["actor_name"],
         "created_at": r["created_at"], "read_at": r["read_at"]}
        for r in rows
        if principal.sees(r["facility_id"])
    ]
    unread = sum(1 for i in items if i["read_at"] is None)
    return json_ok({"items": items, "unread": unread})


async def read_notifications(request: web.Request) -> web.Response:
    """``POST /api/notifications/read``: ``{"ids": [...]}``, or ``{}`` for all."""
    principal = current_principal(request)
    body = await read_json(request)
    ids = body.get("ids")
    if ids is not None and (
        not isinstance(ids, list) or len(ids) > 500
        or not all(isinstance(i, str) and len(i) <= 64 for i in ids)
    ):
        raise bad_request("ids must be a list of notification ids", field="ids", status=422)
    async with request.app[DB].transaction() as conn:
        changed = await NotificationStore(conn).mark_read(principal.user_id,
                                                          request.app[CLOCK].now(), ids)
    return json_ok({"read": changed})
