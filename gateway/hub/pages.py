"""The Hub's web pages: ``/hub`` (the inbox), ``/hub/login`` and their static files.

Plain HTML, CSS and JavaScript modules, no framework and no third-party code; the pages
allow no inline script or style (content security policy).
"""

from __future__ import annotations

import secrets
from pathlib import Path

from aiohttp import web

from gateway.auth.credentials import CSRF_COOKIE, set_csrf_cookie
from gateway.auth.keys import AUTH, PRINCIPAL

__all__ = ["STATIC", "setup_pages"]

STATIC = Path(__file__).parent / "static"


def setup_pages(app: web.Application) -> None:
    """Register the pages and ``/hub/static``."""
    app.router.add_get("/hub", inbox)
    app.router.add_get("/hub/", inbox)
    app.router.add_get("/hub/login", login)
    app.router.add_static("/hub/static", STATIC, follow_symlinks=False)


async def inbox(request: web.Request) -> web.FileResponse:
    """The inbox (the auth middleware sends visitors who are not signed in to the login)."""
    return web.FileResponse(STATIC / "hub.html")


async def login(request: web.Request) -> web.StreamResponse:
    """The sign-in page; it sets the pre-sign-in CSRF cookie the form sends back."""
    if PRINCIPAL in request:
        raise web.HTTPFound("/hub")
    response = web.FileResponse(STATIC / "login.html")
    if not request.cookies.get(CSRF_COOKIE):
        set_csrf_cookie(response, secrets.token_urlsafe(32), request.app[AUTH])
    return response
