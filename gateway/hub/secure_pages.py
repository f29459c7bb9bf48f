"""The patient's side of a secure message (HUB-02): a page at ``/secure/{token}`` that sends a
one-time code to a contact on file, checks it, then shows the message and its attachments.

No staff sign-in here; the link token finds the message, the code proves the reader, and a
short reading session (an HttpOnly cookie scoped to this link) lets them read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web

from domain.storage.repositories import PatientRepository, PracticeRepository
from gateway.api._body import read_json, text_field
from gateway.api.views import attachment_view, json_ok
from gateway.auth.keys import AUTH
from gateway.errors import bad_request
from gateway.hub.secure import (
    code_contacts,
    link_hash,
    mask_contact,
    send_code,
    verify_code,
)
from gateway.hub.secure_store import SecureMessage, SecureStore
from gateway.keys import CLOCK, DB, STORES

__all__ = ["setup_secure_pages"]

STATIC = Path(__file__).parent / "static"
READ_COOKIE = "careline_secure"


def setup_secure_pages(app: web.Application) -> None:
    """Register the patient pages and their JSON endpoints under ``/secure``."""
    app.router.add_get("/secure/{token}", page)
    app.router.add_get("/secure/{token}/info", info)
    app.router.add_post("/secure/{token}/code", request_code)
    app.router.add_post("/secure/{token}/verify", verify)
    app.router.add_get("/secure/{token}/message", read_message)
    app.router.add_get("/secure/{token}/attachments/{attachment_id}", download)


def _gone() -> web.HTTPException:
    return web.HTTPNotFound(
        text=json.dumps({"error": "not_found",
                         "message": "this link is not valid or has expired"}),
        content_type="application/json",
    )


async def _message(request: web.Request) -> SecureMessage:
    token = request.match_info["token"]
    if not 10 <= len(token) <= 100:
        raise _gone()
    async with request.app[DB].read() as conn:
        secure = await SecureStore(conn).by_link(link_hash(token))
    if secure is None or secure.expires_at <= request.app[CLOCK].now():
        raise _gone()
    return secure


def _json_only(request: web.Request) -> None:
    # A cross-site form cannot send JSON without a CORS preflight, which we never allow.
    if request.content_type != "application/json":
        raise bad_request("send application/json", status=415)


async def page(request: web.Request) -> web.FileResponse:
    """The page itself (its script drives the rest)."""
    return web.FileResponse(STATIC / "secure.html")


async def info(request: web.Request) -> web.Response:
    """Who the message is from and the masked contacts a code may go to."""
    secure = await _message(request)
    async with request.app[DB].read() as conn:
        organization = await PracticeRepository(conn).organization(secure.org_id)
        patient = await PatientRepository(conn).get(secure.patient_id)
    return json_ok({
        "organization": organization.name,
        "expires_at": secure.expires_at,
        "contacts": [{"index": i, "kind": c.kind.value, "masked": mask_contact(c)}
                     for i, c in enumerate(code_contacts(patient))],
        "signed_in": _reading(request, secure),
    })


async def request_code(request: web.Request) -> web.Response:
    """Send a one-time code to contact ``{"contact": index}``."""
    _json_only(request)
    secure = await _message(request)
    body = await read_json(request)
    index = body.get("contact")
    if not isinstance(index, int) or isinstance(index, bool):
        raise bad_request("contact must be the number of a contact shown", field="contact",
                          status=422)
    limiter = request.app[STORES].rate_limiter
    if not await limiter.try_acquire(f"secure-code:{secure.id}", rate=1 / 30, burst=1):
        raise bad_request("a code was just sent; wait half a minute before asking again",
                          status=429)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        organization = await PracticeRepository(conn).organization(secure.org_id)
        patient = await PatientRepository(conn).get(secure.patient_id)
        masked = await send_code(conn, secure, patient, index,
                                 secret=request.app[AUTH].secret,
                                 organization_name=organization.name, now=now)
    return json_ok({"sent_to": masked}, status=202)


async def verify(request: web.Request) -> web.Response:
    """Check ``{"code": "123456"}``; on success a reading session starts."""
    _json_only(request)
    secure = await _message(request)
    body = await read_json(request)
    code = text_field(body, "code", max_length=20)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        result = await verify_code(conn, secure, code, secret=request.app[AUTH].secret, now=now)
    if not result.ok or result.access_token is None:
        raise bad_request(result.reason, field="code", status=422)
    response = json_ok({"signed_in": True})
    response.set_cookie(READ_COOKIE, result.access_token, httponly=True, samesite="Strict",
                        secure=request.app[AUTH].cookie_secure,
                        path=f"/secure/{request.match_info['token']}", max_age=30 * 60)
    return response


def _reading(request: web.Request, secure: SecureMessage) -> bool:
    cookie = request.cookies.get(READ_COOKIE)
    return bool(
        cookie and secure.access_hash and secure.access_expires_at
        and secure.access_expires_at > request.app[CLOCK].now()
        and link_hash(cookie) == secure.access_hash
    )


async def _readable(request: web.Request) -> SecureMessage:
    secure = await _message(request)
    if not _reading(request, secure):
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": "unauthenticated", "message": "enter your code first"}),
            content_type="application/json",
        )
    return secure


async def read_message(request: web.Request) -> web.Response:
    """The message text and its attachments' descriptions (reading session required)."""
    secure = await _readable(request)
    async with request.app[DB].read() as conn:
        organization = await PracticeRepository(conn).organization(secure.org_id)
        attachments = await SecureStore(conn).attachments(secure.id)
    data: dict[str, Any] = {
        "organization": organization.name, "body": secure.body, "sent_at": secure.created_at,
        "attachments": [attachment_view(a) for a in attachments],
    }
    return json_ok(data)


async def download(request: web.Request) -> web.Response:
    """One attachment, as a download (never rendered inline)."""
    secure = await _readable(request)
    async with request.app[DB].read() as conn:
        attachment = await SecureStore(conn).attachment(secure.id,
                                                        request.match_info["attachment_id"])
    if attachment is None:
        raise _gone()
    return web.Response(body=attachment.data, content_type=attachment.content_type, headers={
        "Content-Disposition": f'attachment; filename="{attachment.filename}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    })
