"""The Hub's waitlist page (``/hub/waitlist``, signed-in staff) and the self-schedule page's
stylesheet."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

__all__ = ["page", "page_css"]

STATIC = Path(__file__).parent / "static"


async def page(request: web.Request) -> web.FileResponse:
    """The dashboard (the auth middleware sends visitors who are not signed in to sign in)."""
    return web.FileResponse(STATIC / "waitlist.html")


async def page_css(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "page.css")
