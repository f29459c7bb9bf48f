"""The widget's public routes (BOT-01..04, BOT-08, BOT-09):

- ``GET /widget/config/{public_key}``: name, avatar, colours, welcome prompt and the Welcome
  menu of the organisation (CORS: the widget runs on the clinic's website);
- ``GET /widget/careline.js``, ``/widget/careline.css``: the widget (compressed when the
  browser accepts it);
- ``GET /widget/demo[?key=...&page=visit]``: a demo clinic website embedding the widget;
- ``GET /widget/preview[?key=...]``: the preview page where staff try settings live.
"""

from __future__ import annotations

import html
import re
from importlib import resources

from aiohttp import web

from domain.errors import NotFound
from domain.model import Organization
from domain.storage.repositories import PracticeRepository
from gateway.bot.keys import BOT
from gateway.keys import CLOCK, DB

__all__ = ["ASSETS", "setup_widget_routes"]

ASSETS = {
    "careline.js": "application/javascript",
    "careline.css": "text/css",
    "demo.css": "text/css",
    "preview.js": "application/javascript",
}
_PAGES = ("demo.html", "preview.html")
_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
CORS = {"Access-Control-Allow-Origin": "*"}
FILES: web.AppKey[dict[str, bytes]] = web.AppKey("widget_files")


def setup_widget_routes(app: web.Application) -> None:
    """Register the widget's routes; its files are read once, here."""
    folder = resources.files("widget")
    app[FILES] = {name: (folder / name).read_bytes() for name in (*ASSETS, *_PAGES)}
    r = app.router
    r.add_get("/widget/config/{public_key}", widget_config)
    for name in ASSETS:
        r.add_get(f"/widget/{name}", asset)
    r.add_get("/widget/demo", demo_page)
    r.add_get("/widget/preview", preview_page)


async def widget_config(request: web.Request) -> web.Response:
    """The organisation's widget settings and Welcome menu; 404 for an unknown key."""
    key = request.match_info["public_key"]
    if not _KEY.match(key):
        raise web.HTTPNotFound(headers=CORS)
    async with request.app[DB].transaction() as conn:
        org = await PracticeRepository(conn).organization_by_key(key)
        if org is None:
            raise web.HTTPNotFound(headers=CORS)
        catalog = await request.app[BOT].catalogs.get(conn, org.id, request.app[CLOCK].now())
    bot = org.settings.bot
    menu = catalog.welcome.steps["menu"]
    body = {
        "name": bot.name, "avatar_url": bot.avatar_url, "primary_color": bot.primary_color,
        "accent_color": bot.accent_color, "welcome_prompt": bot.welcome_prompt,
        "org_name": org.name, "options": [o.label for o in menu.options],
    }
    return web.json_response(body, headers={**CORS, "Cache-Control": "no-cache"})


async def asset(request: web.Request) -> web.Response:
    """One of the widget's files."""
    name = request.path.rsplit("/", 1)[-1]
    response = web.Response(
        body=request.app[FILES][name], content_type=ASSETS[name], charset="utf-8",
        headers={**CORS, "Cache-Control": "public, max-age=300",
                 "X-Content-Type-Options": "nosniff"},
    )
    response.enable_compression()
    return response


async def demo_page(request: web.Request) -> web.Response:
    """A demo clinic website with the widget on it (two pages, to show navigation)."""
    org = await _org(request)
    visit = request.query.get("page") == "visit"
    headline = "Plan your visit" if visit else f"Welcome to {org.name}"
    return _page(request, "demo.html", org, headline)


async def preview_page(request: web.Request) -> web.Response:
    """The widget preview for staff: saved settings, editable live on the page."""
    return _page(request, "preview.html", await _org(request), "")


def _page(request: web.Request, name: str, org: Organization, headline: str) -> web.Response:
    text = request.app[FILES][name].decode("utf-8")
    values = {
        "__KEY__": org.public_key, "__ORG_NAME__": org.name, "__HEADLINE__": headline,
        "__BASE__": f"{request.scheme}://{request.host}",
    }
    for placeholder, value in values.items():
        text = text.replace(placeholder, html.escape(value))
    response = web.Response(text=text, content_type="text/html",
                            headers={"Cache-Control": "no-store"})
    response.enable_compression()
    return response


async def _org(request: web.Request) -> Organization:
    key = request.query.get("key", "")
    async with request.app[DB].read() as conn:
        practice = PracticeRepository(conn)
        if key:
            org = await practice.organization_by_key(key) if _KEY.match(key) else None
            if org is None:
                raise NotFound("organization", key)
            return org
        orgs = await practice.organizations()
    if not orgs:
        raise NotFound("organization", "(none yet: run careline demo)")
    return orgs[0]
