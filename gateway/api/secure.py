"""Secure messages from the Hub (HUB-02, HUB-06): multipart form with text and files."""

from __future__ import annotations

from aiohttp import web

from gateway.api._multipart import form_parts, read_part, read_text
from gateway.api.views import json_ok
from gateway.auth.request import current_principal
from gateway.errors import bad_request
from gateway.hub.events import publish_conversation
from gateway.hub.secure import MAX_ATTACHMENTS, Upload, create_secure_message
from gateway.keys import CLOCK, DB, SETTINGS, STORES

__all__ = ["send_secure_message"]

_MAX_FIELD = 20_000
_MAX_FILE = 50 * 1024 * 1024


async def send_secure_message(request: web.Request) -> web.Response:
    """``POST /api/conversations/{id}/secure-messages`` (multipart/form-data): fields
    ``body``, ``facility_id`` and up to five ``attachments`` files."""
    principal = current_principal(request)
    fields: dict[str, str] = {}
    uploads: list[Upload] = []
    async for part in form_parts(request):
        if part.name == "attachments" and part.filename is not None:
            if len(uploads) >= MAX_ATTACHMENTS:
                raise bad_request(f"at most {MAX_ATTACHMENTS} attachments",
                                  field="attachments", status=422)
            data = await read_part(part, limit=_MAX_FILE, field="attachments")
            uploads.append(Upload(part.filename, part.headers.get("Content-Type", ""), data))
        elif part.name in ("body", "facility_id"):
            fields[part.name] = await read_text(part, limit=_MAX_FIELD, field=part.name)
    body = fields.get("body", "")
    facility_id = fields.get("facility_id") or None
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        secure, outbox = await create_secure_message(
            conn, principal, request.match_info["conversation_id"], body=body,
            facility_id=facility_id, uploads=uploads, now=now,
            public_url=request.app[SETTINGS].public_url,
        )
    await publish_conversation(request.app[STORES].pubsub, principal.org_id,
                               secure.conversation_id, "secure_message")
    return json_ok({"id": secure.id, "outbox_id": outbox.id, "created_at": secure.created_at,
                    "expires_at": secure.expires_at, "attachments": len(uploads)}, status=201)
