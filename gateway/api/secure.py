"""Secure messages from the Hub (HUB-02, HUB-06): multipart form with text and files."""

from __future__ import annotations

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

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
    if not request.content_type.startswith("multipart/"):
        raise bad_request("send multipart/form-data", status=415)
    fields: dict[str, str] = {}
    uploads: list[Upload] = []
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise bad_request("nested multipart is not supported")
            if part.name == "attachments" and part.filename is not None:
                if len(uploads) >= MAX_ATTACHMENTS:
                    raise bad_request(f"at most {MAX_ATTACHMENTS} attachments",
                                      field="attachments", status=422)
                data = await part.read(decode=False)
                if len(data) > _MAX_FILE:
                    raise bad_request("file too large", field="attachments", status=413)
                uploads.append(Upload(part.filename, part.headers.get("Content-Type", ""),
                                      bytes(data)))
            elif part.name in ("body", "facility_id"):
                value = await part.text()
                if len(value) > _MAX_FIELD:
                    raise bad_request(f"{part.name} is too long", field=part.name, status=422)
                fields[part.name] = value
    except (ValueError, AssertionError, HttpProcessingError):
        raise bad_request("the form could not be read") from None
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
