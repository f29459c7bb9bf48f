"""``GET /unsubscribe/{token}`` (a confirmation page) and ``POST /unsubscribe/{token}``
(the page's button, and RFC 8058 one-click from mail clients): the address goes on the
organisation's do-not-contact list, source ``patient_opt_out``."""

from __future__ import annotations

import html

from aiohttp import web

from channels.unsubscribe import Unsubscribe, read_unsubscribe_token
from domain.errors import NotFound
from domain.model import DncEntry, DncSource, Organization
from domain.storage.repositories import PatientRepository, PracticeRepository
from gateway.keys import CLOCK, DB
from gateway.webhooks.keys import SECRET

__all__ = ["unsubscribe_confirm", "unsubscribe_page"]

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem;
line-height:1.5;color:#1b1b1b}}button{{font-size:1rem;padding:.6rem 1.2rem;border-radius:.4rem;
border:0;background:#0b6e4f;color:#fff;cursor:pointer}}button:focus{{outline:3px solid #f4b400}}
</style></head><body><main><h1>{title}</h1>{body}</main></body></html>"""


def _page(title: str, body: str, status: int = 200) -> web.Response:
    return web.Response(text=_PAGE.format(title=html.escape(title), body=body),
                        content_type="text/html", status=status)


async def _resolve(request: web.Request) -> tuple[Unsubscribe, Organization] | web.Response:
    link = read_unsubscribe_token(request.app[SECRET], request.match_info["token"])
    if link is None:
        return _page("Link not valid",
                     "<p>This unsubscribe link is damaged or was not made by us.</p>", 404)
    async with request.app[DB].read() as conn:
        try:
            org = await PracticeRepository(conn).organization(link.org_id)
        except NotFound:
            return _page("Link not valid", "<p>This link belongs to no organisation.</p>", 404)
    return link, org


async def unsubscribe_page(request: web.Request) -> web.Response:
    """Ask the recipient to confirm (a GET must not unsubscribe: link scanners follow links)."""
    resolved = await _resolve(request)
    if isinstance(resolved, web.Response):
        return resolved
    link, org = resolved
    body = (
        f"<p>Stop emails from <strong>{html.escape(org.name)}</strong> to "
        f"<strong>{html.escape(link.address)}</strong>?</p>"
        '<form method="post"><button type="submit">Unsubscribe</button></form>'
    )
    return _page("Unsubscribe", body)


async def unsubscribe_confirm(request: web.Request) -> web.Response:
    """Put the address on the do-not-contact list (idempotent)."""
    resolved = await _resolve(request)
    if isinstance(resolved, web.Response):
        return resolved
    link, org = resolved
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        patients = PatientRepository(conn)
        found = await patients.find_by_address(org.id, link.address)
        await patients.add_dnc(DncEntry(
            org_id=org.id, address=link.address, source=DncSource.PATIENT_OPT_OUT,
            careline_number=link.careline_address, created_at=now,
            patient_id=found[0].id if len(found) == 1 else None,
            note="unsubscribed with the link in an email",
        ))
    body = (f"<p>{html.escape(link.address)} will get no more emails from "
            f"{html.escape(org.name)}.</p>")
    return _page("You are unsubscribed", body)
