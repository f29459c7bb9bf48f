"""The signed-in principal of a request, for handlers."""

from __future__ import annotations

import json

from aiohttp import web

from gateway.auth.keys import PRINCIPAL
from gateway.auth.principal import Permission, Principal

__all__ = ["current_principal", "require_permission", "unauthenticated"]


def unauthenticated(message: str = "sign in first") -> web.HTTPUnauthorized:
    """A 401 with a JSON body (and no browser login prompt)."""
    return web.HTTPUnauthorized(
        text=json.dumps({"error": "unauthenticated", "message": message}),
        content_type="application/json",
    )


def current_principal(request: web.Request) -> Principal:
    """The signed-in principal of ``request``; raises 401 when there is none."""
    if PRINCIPAL not in request:
        raise unauthenticated()
    return request[PRINCIPAL]


def require_permission(request: web.Request, permission: Permission) -> Principal:
    """The principal, if their role grants ``permission``; raises 403 otherwise."""
    principal = current_principal(request)
    if not principal.can(permission):
        raise web.HTTPForbidden(
            text=json.dumps({"error": "forbidden",
                             "message": f"your role may not {permission.value.replace('_', ' ')}"}),
            content_type="application/json",
        )
    return principal
