"""The message library (HUB-04, PIT-05): everyone reads, managers and admins edit."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from domain.model import new_id
from gateway.api._body import read_json, text_field
from gateway.api.views import json_ok
from gateway.auth.audit import audit
from gateway.auth.principal import Permission
from gateway.auth.request import current_principal, require_permission
from gateway.hub.shortcuts import Shortcut, ShortcutStore, validate_shortcut
from gateway.keys import CLOCK, DB

__all__ = ["create_shortcut", "delete_shortcut", "list_shortcuts", "update_shortcut"]


def _view(shortcut: Shortcut) -> dict[str, Any]:
    return {"id": shortcut.id, "shortcut": shortcut.shortcut, "title": shortcut.title,
            "body": shortcut.body, "updated_at": shortcut.updated_at}


async def list_shortcuts(request: web.Request) -> web.Response:
    """``GET /api/shortcuts``."""
    principal = current_principal(request)
    async with request.app[DB].read() as conn:
        found = await ShortcutStore(conn).all(principal.org_id)
    return json_ok({"items": [_view(s) for s in found]})


async def create_shortcut(request: web.Request) -> web.Response:
    """``POST /api/shortcuts``: ``{"shortcut", "title", "body"}``."""
    principal = require_permission(request, Permission.MANAGE_SHORTCUTS)
    body = await read_json(request)
    name, title, text = validate_shortcut(
        text_field(body, "shortcut", max_length=41), text_field(body, "title", max_length=100),
        text_field(body, "body", max_length=4000),
    )
    now = request.app[CLOCK].now()
    shortcut = Shortcut(id=new_id(), org_id=principal.org_id, shortcut=name, title=title,
                        body=text, created_by=principal.user_id, created_at=now, updated_at=now)
    async with request.app[DB].transaction() as conn:
        await ShortcutStore(conn).add(shortcut)
        await audit(conn, principal, "create", "shortcut", shortcut.id, now)
    return json_ok(_view(shortcut), status=201)


async def update_shortcut(request: web.Request) -> web.Response:
    """``PATCH /api/shortcuts/{id}``: any of ``shortcut``, ``title``, ``body``."""
    principal = require_permission(request, Permission.MANAGE_SHORTCUTS)
    body = await read_json(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        store = ShortcutStore(conn)
        current = await store.get(principal.org_id, request.match_info["shortcut_id"])
        name, title, text = validate_shortcut(
            text_field(body, "shortcut", max_length=41) if "shortcut" in body
            else current.shortcut,
            text_field(body, "title", max_length=100) if "title" in body else current.title,
            text_field(body, "body", max_length=4000) if "body" in body else current.body,
        )
        updated = replace(current, shortcut=name, title=title, body=text, updated_at=now)
        await store.save(updated)
        await audit(conn, principal, "update", "shortcut", updated.id, now)
    return json_ok(_view(updated))


async def delete_shortcut(request: web.Request) -> web.Response:
    """``DELETE /api/shortcuts/{id}``."""
    principal = require_permission(request, Permission.MANAGE_SHORTCUTS)
    shortcut_id = request.match_info["shortcut_id"]
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        await ShortcutStore(conn).delete(principal.org_id, shortcut_id)
        await audit(conn, principal, "delete", "shortcut", shortcut_id, now)
    return web.Response(status=204)
