"""Staff API of templates: stock and overridden texts, version history and restore, live
preview with the SMS segment count, and the message library (REM-14..17).

* ``GET  /api/templates`` -- template keys, formats and languages;
* ``GET  /api/templates/{key}/{format}/{language}`` -- current text, stock text, history,
  and a preview rendered with sample data;
* ``PUT  /api/templates/{key}/{format}/{language}`` ``{"body", "subject"?}`` -- save as a new
  version after it renders cleanly with sample data (422 with the reason otherwise);
* ``POST /api/templates/{key}/{format}/{language}/restore`` ``{"version"}``;
* ``POST /api/templates/preview`` ``{"body", "subject"?, "format", "language"}``;
* ``GET/POST /api/message-library``, ``DELETE /api/message-library/{id}``.

Every signed-in staff member may read templates, preview and use the library; saving or
restoring a template and changing the library need the admin or manager role (403 with the
reason otherwise). Templates are the organisation's, never one facility's.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from domain.errors import PermissionDenied
from domain.model.enums import Role
from domain.storage.repositories.templates import TemplateRepository
from domain.template_library import FORMATS, STOCK_TEMPLATES, stock_languages
from domain.template_library.sample import sample_context
from domain.templates import STOCK, LayeredSource, TemplateError, TemplateText, render
from gateway.auth.principal import Principal
from gateway.auth.request import current_principal
from gateway.errors import bad_request
from gateway.keys import CLOCK, DB

__all__ = ["add_template_routes"]


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_request("the body is not JSON") from None
    if not isinstance(data, dict):
        raise bad_request("the body must be a JSON object")
    return data


_EDITORS = frozenset({Role.ADMIN, Role.MANAGER})


def _editor(request: web.Request, what: str) -> Principal:
    """The principal, if their role may change templates or the library.

    Raises:
        PermissionDenied: a staff member (403).
    """
    principal = current_principal(request)
    if principal.role not in _EDITORS:
        raise PermissionDenied(f"only admins and managers may change {what}")
    return principal


def _target(request: web.Request) -> tuple[str, str, str]:
    key, fmt, language = (request.match_info[n] for n in ("key", "format", "language"))
    if fmt not in FORMATS:
        raise bad_request("format must be sms, voice or email", field="format", status=422)
    return key, fmt, language


def _preview(key: str, fmt: str, language: str, source: Any) -> dict[str, Any]:
    rendered = render(key, fmt, language, sample_context(language), source=source)
    return {"body": rendered.body, "subject": rendered.subject, "segments": rendered.segments,
            "encoding": rendered.encoding, "length": len(rendered.body)}


def _error(error: TemplateError) -> web.Response:
    return web.json_response(error.to_dict(), status=422)


async def list_templates(request: web.Request) -> web.Response:
    current_principal(request)
    return web.json_response({"templates": list(STOCK_TEMPLATES), "formats": list(FORMATS),
                              "languages": list(stock_languages())})


async def get_template(request: web.Request) -> web.Response:
    key, fmt, language = _target(request)
    org_id = current_principal(request).org_id
    async with request.app[DB].read() as conn:
        repo = TemplateRepository(conn)
        current = await repo.current(org_id, key, fmt, language)
        history = await repo.history(org_id, key, fmt, language)
        source = await repo.source(org_id)
    stock = STOCK.template(key, fmt, language)
    try:
        preview: dict[str, Any] | None = _preview(key, fmt, language, source)
        problem = None
    except TemplateError as error:
        preview, problem = None, error.to_dict()
    return web.json_response({
        "key": key, "format": fmt, "language": language,
        "current": {"body": current.body, "subject": current.subject,
                    "version": current.version} if current else None,
        "stock": {"body": stock.body, "subject": stock.subject} if stock else None,
        "history": [{"version": v.version, "body": v.body, "subject": v.subject,
                     "note": v.note, "created_by": v.created_by,
                     "created_at": v.created_at.isoformat()} for v in history],
        "preview": preview, "error": problem,
    })


async def put_template(request: web.Request) -> web.Response:
    principal = _editor(request, "templates")
    key, fmt, language = _target(request)
    data = await _json(request)
    body, subject = data.get("body"), data.get("subject")
    if not isinstance(body, str) or not body.strip():
        raise bad_request("body is required", field="body", status=422)
    if subject is not None and not isinstance(subject, str):
        raise bad_request("subject must be text", field="subject", status=422)
    org_id = principal.org_id
    draft = LayeredSource(templates={(key, fmt, language): TemplateText(body, subject)})
    try:
        preview = _preview(key, fmt, language, draft)
    except TemplateError as error:
        return _error(error)
    async with request.app[DB].transaction() as conn:
        saved = await TemplateRepository(conn).save(
            org_id, key, fmt, language, body=body, subject=subject, by=principal.user_id,
            at=request.app[CLOCK].now(), replaced=STOCK.template(key, fmt, language))
    return web.json_response({"version": saved.version, "preview": preview})


async def post_restore(request: web.Request) -> web.Response:
    principal = _editor(request, "templates")
    key, fmt, language = _target(request)
    version = (await _json(request)).get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise bad_request("version must be a whole number", field="version", status=422)
    async with request.app[DB].transaction() as conn:
        saved = await TemplateRepository(conn).restore(
            principal.org_id, key, fmt, language, version, by=principal.user_id,
            at=request.app[CLOCK].now())
    return web.json_response({"version": saved.version, "body": saved.body})


async def post_preview(request: web.Request) -> web.Response:
    current_principal(request)
    data = await _json(request)
    body, fmt = data.get("body"), data.get("format", "sms")
    language = data.get("language", "en")
    if not isinstance(body, str) or fmt not in FORMATS or not isinstance(language, str):
        raise bad_request("body (text), format (sms, voice, email) and language are required",
                          status=422)
    subject = data.get("subject") if isinstance(data.get("subject"), str) else None
    draft = LayeredSource(templates={("draft", fmt, language): TemplateText(body, subject)})
    try:
        return web.json_response(_preview("draft", fmt, language, draft))
    except TemplateError as error:
        return _error(error)


async def get_library(request: web.Request) -> web.Response:
    async with request.app[DB].read() as conn:
        items = await TemplateRepository(conn).library(current_principal(request).org_id)
    return web.json_response({"items": [
        {"id": i.id, "title": i.title, "body": i.body, "language": i.language} for i in items]})


async def post_library(request: web.Request) -> web.Response:
    principal = _editor(request, "the message library")
    data = await _json(request)
    title, body = data.get("title"), data.get("body")
    if not isinstance(title, str) or not isinstance(body, str):
        raise bad_request("title and body are required", status=422)
    language = data.get("language") if isinstance(data.get("language"), str) else "en"
    async with request.app[DB].transaction() as conn:
        item = await TemplateRepository(conn).add_library_item(
            principal.org_id, title, body, language=str(language), by=principal.user_id,
            at=request.app[CLOCK].now())
    return web.json_response({"id": item.id, "title": item.title}, status=201)


async def delete_library(request: web.Request) -> web.Response:
    principal = _editor(request, "the message library")
    async with request.app[DB].transaction() as conn:
        await TemplateRepository(conn).delete_library_item(principal.org_id,
                                                           request.match_info["item_id"])
    return web.json_response({"deleted": True})


def add_template_routes(app: web.Application) -> None:
    base = "/api/templates/{key}/{format}/{language}"
    app.router.add_get("/api/templates", list_templates)
    app.router.add_post("/api/templates/preview", post_preview)
    app.router.add_get(base, get_template)
    app.router.add_put(base, put_template)
    app.router.add_post(base + "/restore", post_restore)
    app.router.add_get("/api/message-library", get_library)
    app.router.add_post("/api/message-library", post_library)
    app.router.add_delete("/api/message-library/{item_id}", delete_library)
