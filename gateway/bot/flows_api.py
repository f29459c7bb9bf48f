"""The staff API of the chat bot's flows (BOT-05..07), under ``/api/bot`` (signed-in staff;
changes need the manage-settings permission):

- ``GET /api/bot/flows``; ``POST /api/bot/flows`` ``{source, note?, enabled?}``;
- ``POST /api/bot/flows/validate`` ``{source}``: the problems, by line, without saving;
- ``GET|PUT|PATCH|DELETE /api/bot/flows/{key}``: read, save a new version ``{source, note?}``,
  show or hide ``{enabled}``, archive;
- ``GET /api/bot/flows/{key}/versions[/{version}]``,
  ``POST /api/bot/flows/{key}/versions/{version}/restore``;
- ``GET /api/bot/system-flows``: the system flows (read only);
- ``GET /api/bot/messages``; ``PUT|DELETE /api/bot/messages/{key}`` ``{text}``: reword a system
  message, or go back to the default.

An invalid definition answers 422 with ``problems``: ``[{line, column, path, message}]``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.bot.definition import FlowDefinition
from dialogs.bot.loader import check_flow, load_flow
from dialogs.bot.problems import FlowDefinitionError
from dialogs.bot.shipped import SYSTEM_KEYS, system_flows
from dialogs.bot.texts import check_override, editable_texts
from domain.errors import Conflict, NotFound
from gateway.api._body import read_json, text_field
from gateway.auth.principal import Permission, Principal
from gateway.auth.request import current_principal, require_permission
from gateway.bot.flow_store import FlowStore
from gateway.bot.keys import BOT
from gateway.errors import bad_request
from gateway.keys import CLOCK, DB

__all__ = ["setup_flows_api"]

MAX_SOURCE_CHARS = 64 * 1024
F = "/api/bot/flows/{key}"


def setup_flows_api(app: web.Application) -> None:
    """Register the ``/api/bot`` routes."""
    r = app.router
    r.add_get("/api/bot/flows", list_flows)
    r.add_post("/api/bot/flows", create_flow)
    r.add_post("/api/bot/flows/validate", validate_flow)
    r.add_get("/api/bot/system-flows", list_system_flows)
    r.add_get("/api/bot/messages", list_messages)
    r.add_put("/api/bot/messages/{key}", set_message)
    r.add_delete("/api/bot/messages/{key}", reset_message)
    r.add_get(F, get_flow)
    r.add_put(F, update_flow)
    r.add_patch(F, patch_flow)
    r.add_delete(F, archive_flow)
    r.add_get(f"{F}/versions", list_versions)
    r.add_get(f"{F}/versions/{{version}}", get_version)
    r.add_post(f"{F}/versions/{{version}}/restore", restore_version)


async def _store(request: web.Request, conn: AsyncConnection, principal: Principal
                 ) -> FlowStore:
    """The organisation's flows (the shipped examples added first, for a new organisation)."""
    store = FlowStore(conn)
    await store.seed_examples(principal.org_id, request.app[CLOCK].now())
    return store


def _invalid(error: FlowDefinitionError) -> web.Response:
    return web.json_response(error.to_dict(), status=422)


def _changed(request: web.Request, principal: Principal) -> None:
    request.app[BOT].catalogs.invalidate(principal.org_id)


async def list_flows(request: web.Request) -> web.Response:
    principal = current_principal(request)
    async with request.app[DB].transaction() as conn:
        flows = await (await _store(request, conn, principal)).flows(principal.org_id)
    return web.json_response({"flows": [f.to_dict() for f in flows]})


async def create_flow(request: web.Request) -> web.Response:
    principal = require_permission(request, Permission.MANAGE_SETTINGS)
    body = await read_json(request)
    source = text_field(body, "source", max_length=MAX_SOURCE_CHARS)
    enabled = body.get("enabled", True)
    if not isinstance(enabled, bool):
        raise bad_request("enabled must be true or false", field="enabled", status=422)
    try:
        async with request.app[DB].transaction() as conn:
            store = await _store(request, conn, principal)
            flow = await store.create(
                principal.org_id, source, by=principal.user_id, now=request.app[CLOCK].now(),
                note=text_field(body, "note", max_length=200, required=False), enabled=enabled,
            )
    except FlowDefinitionError as exc:
        return _invalid(exc)
    except IntegrityError:
        raise Conflict("a flow with that name was created at the same moment") from None
    _changed(request, principal)
    return web.json_response(flow.to_dict(), status=201)


async def validate_flow(request: web.Request) -> web.Response:
    current_principal(request)
    body = await read_json(request)
    source = text_field(body, "source", max_length=MAX_SOURCE_CHARS)
    problems = check_flow(source)
    answer: dict[str, Any] = {"valid": not problems,
                              "problems": [p.to_dict() for p in problems]}
    if not problems:
        answer["flow"] = _outline(load_flow(source))
    return web.json_response(answer)


async def get_flow(request: web.Request) -> web.Response:
    principal = current_principal(request)
    async with request.app[DB].transaction() as conn:
        store = await _store(request, conn, principal)
        flow = await store.get(principal.org_id, request.match_info["key"])
    return web.json_response(flow.to_dict())


async def update_flow(request: web.Request) -> web.Response:
    principal = require_permission(request, Permission.MANAGE_SETTINGS)
    body = await read_json(request)
    source = text_field(body, "source", max_length=MAX_SOURCE_CHARS)
    try:
        async with request.app[DB].transaction() as conn:
            store = await _store(request, conn, principal)
            flow = await store.update(
                principal.org_id, request.match_info["key"], source, by=principal.user_id,
                now=request.app[CLOCK].now(),
                note=text_field(body, "note", max_length=200, required=False),
            )
    except FlowDefinitionError as exc:
        return _invalid(exc)
    _changed(request, principal)
    return web.json_response(flow.to_dict())


async def patch_flow(request: web.Request) -> web.Response:
    principal = require_permission(request, Permission.MANAGE_SETTINGS)
    body = await read_json(request)
    enabled = body.get("enabled")
    if not isinstance(enabled, bool):
        raise bad_request("enabled must be true or false", field="enabled", status=422)
    async with request.app[DB].transaction() as conn:
        store = await _store(request, conn, principal)
        flow = await store.set_enabled(principal.org_id, request.match_info["key"], enabled,
                                       request.app[CLOCK].now())
    _changed(request, principal)
    return web.json_response(flow.to_dict())


async def archive_flow(request: web.Request) -> web.Response:
    principal = require_permission(request, Permission.MANAGE_SETTINGS)
    async with request.app[DB].transaction() as conn:
        store = await _store(request, conn, principal)
        await store.archive(principal.org_id, request.match_info["key"], request.app[CLOCK].now())
    _changed(request, principal)
    return web.Response(status=204)


async def list_versions(request: web.Request) -> web.Response:
    principal = current_principal(request)
    async with request.app[DB].transaction() as conn:
        store = await _store(request, conn, principal)
        versions = await store.versions(principal.org_id, request.match_info["key"])
    return web.json_response({"versions": [v.to_dict() for v in versions]})


def _version_number(request: web.Request) -> int:
    raw = request.match_info["version"]
    if not raw.isdigit() or len(raw) > 9:
        raise NotFound("flow version", raw)
    return int(raw)


async def get_version(request: web.Request) -> web.Response:
    principal = current_principal(request)
    async with request.app[DB].transaction() as conn:
        store = await _store(request, conn, principal)
        version = await store.version(principal.org_id, request.match_info["key"],
                                      _version_number(request))
    return web.json_response(version.to_dict())


async def restore_version(request: web.Request) -> web.Response:
    principal = require_permission(request, Permission.MANAGE_SETTINGS)
    key = request.match_info["key"]
    number = _version_number(request)
    try:
        async with request.app[DB].transaction() as conn:
            store = await _store(request, conn, principal)
            old = await store.version(principal.org_id, key, number)
            flow = await store.update(principal.org_id, key, old.source, by=principal.user_id,
                                      now=request.app[CLOCK].now(),
                                      note=f"restored version {number}")
    except FlowDefinitionError as exc:
        return _invalid(exc)
    _changed(request, principal)
    return web.json_response(flow.to_dict())


async def list_system_flows(request: web.Request) -> web.Response:
    current_principal(request)
    flows = system_flows()
    return web.json_response({"flows": [_outline(flows[k]) for k in SYSTEM_KEYS]})


async def list_messages(request: web.Request) -> web.Response:
    principal = current_principal(request)
    async with request.app[DB].transaction() as conn:
        current = await FlowStore(conn).texts(principal.org_id)
    items = [
        {"key": item.key, "default": item.default, "text": current.get(item.key, item.default),
         "customised": item.key in current, "label": item.label}
        for item in editable_texts(system_flows())
    ]
    return web.json_response({"messages": items})


def _editable(key: str) -> Any:
    for item in editable_texts(system_flows()):
        if item.key == key:
            return item
    raise NotFound("bot message", key)


async def set_message(request: web.Request) -> web.Response:
    principal = require_permission(request, Permission.MANAGE_SETTINGS)
    item = _editable(request.match_info["key"])
    body = await read_json(request)
    text = check_override(item, text_field(body, "text", max_length=2000))
    async with request.app[DB].transaction() as conn:
        await FlowStore(conn).set_text(principal.org_id, item.key, text, by=principal.user_id,
                                       now=request.app[CLOCK].now())
    _changed(request, principal)
    return web.json_response({"key": item.key, "default": item.default, "text": text,
                              "customised": True, "label": item.label})


async def reset_message(request: web.Request) -> web.Response:
    principal = require_permission(request, Permission.MANAGE_SETTINGS)
    item = _editable(request.match_info["key"])
    async with request.app[DB].transaction() as conn:
        await FlowStore(conn).reset_text(principal.org_id, item.key)
    _changed(request, principal)
    return web.Response(status=204)


def _outline(flow: FlowDefinition) -> dict[str, Any]:
    """A definition as the flow editor draws it: steps with their kind, text and targets."""
    return {
        "key": flow.key, "title": flow.title, "description": flow.description,
        "start": flow.start, "system": flow.system, "states": list(flow.states),
        "steps": [
            {"id": s.id, "kind": s.kind.value, "text": s.text, "line": s.line,
             "expect": s.expect.value if s.expect else None, "action": s.action or None,
             "options": [o.label for o in s.options], "targets": list(s.targets())}
            for s in flow.steps.values()
        ],
    }
