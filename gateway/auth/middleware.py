"""The authentication middleware of ``/api`` and ``/hub``, CSRF checks and security headers.

Every request under ``/api`` or ``/hub`` is signed in (session cookie or API token) unless its
path is public; unsafe methods from a browser session carry the session's CSRF token in the
``X-CSRF-Token`` header (synchronizer token). Before sign-in the token is a double-submit of the
``careline_csrf`` cookie. Other paths (webhooks, the widget, health) pass untouched.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web
from aiohttp.web_exceptions import NotAppKeyWarning
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.auth.credentials import CSRF_COOKIE, CSRF_HEADER, authenticate, csrf_matches
from gateway.auth.keys import AUTH, PRINCIPAL
from gateway.auth.principal import Principal
from gateway.auth.request import unauthenticated
from gateway.auth.scoping import (
    visible_appointment,
    visible_conversation,
    visible_patient,
)
from gateway.keys import DB

__all__ = ["auth_middleware", "security_headers"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _guarded(path: str) -> bool:
    return path in ("/api", "/hub") or path.startswith(("/api/", "/hub/"))


def _public(method: str, path: str, public_paths: list[str]) -> bool:
    """Entries ending with ``/`` are prefixes, others match exactly; ``"POST /path"`` is
    public for that method only."""
    for entry in public_paths:
        wanted, _, pattern = entry.rpartition(" ")
        if wanted and wanted != method:
            continue
        if path.startswith(pattern) if pattern.endswith("/") else path == pattern:
            return True
    return False


def _csrf_failed() -> web.HTTPForbidden:
    return web.HTTPForbidden(
        text=json.dumps({"error": "csrf", "message": f"missing or wrong {CSRF_HEADER} header"}),
        content_type="application/json",
    )


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    path = request.path
    if not _guarded(path):
        return await handler(request)
    config = request.app[AUTH]
    principal = await authenticate(request)
    public = _public(request.method, path, config.public_paths)
    if principal is None and not public:
        if path.startswith("/api"):
            raise unauthenticated()
        target = quote(request.path_qs, safe="/?=&")
        raise web.HTTPFound(f"/hub/login?next={target}")
    if principal is not None:
        request[PRINCIPAL] = principal
    if request.method not in SAFE_METHODS and not _csrf_ok(request, principal):
        raise _csrf_failed()
    if principal is not None:
        _bridge_keys(request, principal)
        await _guard_resource(request, principal)
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if not path.startswith("/api/") or exc.status < 400 or exc.content_type == _JSON:
            raise
        # The router's own 404 and 405 answers are text; the API speaks JSON only.
        return web.json_response(
            {"error": _ROUTER_ERRORS.get(exc.status, "bad_request"), "message": exc.reason},
            status=exc.status, headers={k: v for k, v in exc.headers.items() if k == "Allow"},
        )


_JSON = "application/json"
_ROUTER_ERRORS = {404: "not_found", 405: "method_not_allowed"}


def _bridge_keys(request: web.Request, principal: Principal) -> None:
    """Also publish the organisation and user under the plain keys ``"org_id"`` and
    ``"user_id"`` that routes written before this middleware read (the reminder and template
    routes). Plain keys warn in aiohttp; the warning is expected here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotAppKeyWarning)
        request["org_id"] = principal.org_id
        request["user_id"] = principal.user_id


_RESOURCES: dict[str, Callable[[AsyncConnection, Principal, str], Awaitable[object]]] = {
    "appointments": visible_appointment,
    "conversations": visible_conversation,
    "patients": visible_patient,
}


async def _guard_resource(request: web.Request, principal: Principal) -> None:
    """Scope every route under ``/api/{appointments,conversations,patients}/{id}`` by facility,
    whichever part of Careline registered it (the reminder timeline, for one): an id the
    principal may not see answers 404 before the handler runs."""
    parts = request.path.split("/")
    if len(parts) < 4 or parts[1] != "api" or parts[2] not in _RESOURCES:
        return
    if parts[3] not in request.match_info.values():
        return  # a fixed path such as /api/conversations/bulk, not an id
    async with request.app[DB].read() as conn:
        await _RESOURCES[parts[2]](conn, principal, parts[3])


def _csrf_ok(request: web.Request, principal: Principal | None) -> bool:
    given = request.headers.get(CSRF_HEADER)
    if principal is None:
        return csrf_matches(request.cookies.get(CSRF_COOKIE), given)
    if principal.token_id is not None:
        return True  # bearer tokens are not sent by browsers on their own
    return csrf_matches(principal.csrf_token, given)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare`` hook: no caching of patient data, no framing, no sniffing, and a
    strict content security policy on the Hub's pages."""
    path = request.path
    if not (_guarded(path) or path.startswith("/secure/")):
        return
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if not path.startswith("/hub/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    if response.content_type == "text/html":
        response.headers.setdefault("Content-Security-Policy", _CSP)
