"""``POST /webhooks/email/inbound``: inbound email from an inbound-parse service.

Authentication: the inbound-email token (``inbound_email_token(secret)``; ``careline`` prints
the full URL) as ``?token=``, ``Authorization: Bearer <token>``, or the password of HTTP Basic
auth (``https://careline:<token>@host/webhooks/email/inbound``). Otherwise 403.

Accepted bodies (at most 1 MiB):

- ``multipart/form-data`` or ``application/x-www-form-urlencoded`` (SendGrid-style inbound
  parse): either a field ``email`` with the raw
  message (and optionally ``to`` or an ``envelope`` JSON ``{"to": [...]}`` naming our address),
  or fields ``from``, ``to``, ``subject``, ``text``/``html`` and ``headers`` (raw header block).
- ``application/json``: ``{"raw": "<RFC 5322 message>", "to": "..."}`` or the same fields as
  above plus optional ``message_id``, ``in_reply_to``, ``references``.
- ``message/rfc822``: the raw message; our address in ``?to=`` (else the first To address).

Answers 200 ``{"status": "received"|"duplicate", ...}``; replies go out through the outbox.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from channels.email_inbound import MAX_EMAIL_BYTES, parse_email, parse_email_fields
from channels.envelope import Envelope
from domain.errors import ValidationError
from gateway.errors import bad_request
from gateway.keys import CLOCK
from gateway.webhooks._forms import invalid, read_body
from gateway.webhooks._receive import receive
from gateway.webhooks.keys import SECRET

__all__ = ["email_inbound_webhook", "inbound_email_token"]

_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
_CONTENT_TYPES = (*_FORMS, "application/json", "message/rfc822")
_FIELDS = ("from", "to", "subject", "text", "html", "headers", "message_id", "in_reply_to",
           "references")


def inbound_email_token(secret: str) -> str:
    """The token that authorises inbound-parse requests (derived from the secret key)."""
    return hmac.new(secret.encode(), b"email-inbound", hashlib.sha256).hexdigest()[:40]


def _authorise(request: web.Request) -> None:
    expected = inbound_email_token(request.app[SECRET])
    given = request.query.get("token", "")
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        given = header[7:].strip()
    elif header.startswith("Basic "):
        try:
            given = base64.b64decode(header[6:], validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            given = ""
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise bad_request("a valid inbound-email token is required", status=403)


async def email_inbound_webhook(request: web.Request) -> web.Response:
    """Receive one inbound email (see the module docstring)."""
    _authorise(request)
    if request.content_type not in _CONTENT_TYPES:
        raise bad_request(f"expected Content-Type {', '.join(_CONTENT_TYPES)}", status=415)
    now = request.app[CLOCK].now()
    try:
        if request.content_type in _FORMS:
            envelope = await _from_multipart(request, now)
        elif request.content_type == "application/json":
            envelope = await _from_json(request, now)
        else:
            raw = await read_body(request, limit=MAX_EMAIL_BYTES, content_types=_CONTENT_TYPES)
            envelope = parse_email(raw, recipient=request.query.get("to") or None,
                                   received_at=now)
    except ValidationError as exc:
        raise invalid(exc) from None
    result = await receive(request.app, envelope, inline=False)
    return web.json_response({
        "status": "duplicate" if result.duplicate else "received",
        "conversation_id": result.conversation_id,
        "message_id": result.message_id,
    })


async def _from_multipart(request: web.Request, now: datetime) -> Envelope:
    if request.content_length is not None and request.content_length > MAX_EMAIL_BYTES:
        raise bad_request(f"the body is larger than {MAX_EMAIL_BYTES} bytes", status=413)
    try:
        form = await request.post()
    except web.HTTPException:
        raise
    except Exception:
        raise bad_request("the multipart body could not be read") from None
    fields: dict[str, str] = {}
    raw: bytes | None = None
    for name, value in form.items():
        if isinstance(value, str):
            if name == "email":
                raw = value.encode("utf-8", "surrogateescape")
            else:
                fields[name] = value
        elif name == "email" and isinstance(value, web.FileField):
            raw = await asyncio.to_thread(value.file.read, MAX_EMAIL_BYTES + 1)
        elif name == "email" and isinstance(value, bytes | bytearray):
            raw = bytes(value)
    recipient = fields.get("to") if raw is not None else None
    if raw is not None and "envelope" in fields:
        recipient = _envelope_to(fields["envelope"]) or recipient
    return _envelope(raw, fields, recipient, now)


async def _from_json(request: web.Request, now: datetime) -> Envelope:
    body = await read_body(request, limit=2 * MAX_EMAIL_BYTES, content_types=_CONTENT_TYPES)
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise bad_request("the body is not valid UTF-8 JSON") from None
    if not isinstance(data, dict):
        raise bad_request("the body must be a JSON object")
    raw = data.get("raw")
    if raw is not None and not isinstance(raw, str):
        raise bad_request("raw must be a string", field="raw")
    fields = {k: v for k, v in data.items() if k in _FIELDS}
    for name, value in fields.items():
        if not isinstance(value, str):
            raise bad_request(f"{name} must be a string", field=name)
    recipient = fields.get("to") if raw is not None else None
    encoded = raw.encode("utf-8", "surrogateescape") if raw is not None else None
    return _envelope(encoded, fields, recipient, now)


def _envelope(
    raw: bytes | None, fields: Mapping[str, str], recipient: str | None, now: datetime
) -> Envelope:
    for name, value in fields.items():
        if "\x00" in value:
            raise bad_request("a field contains a NUL character", field=name)
    if raw is not None:
        return parse_email(raw, recipient=recipient or None, received_at=now)
    return parse_email_fields(fields, received_at=now)


def _envelope_to(text: str) -> str | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    to = data.get("to") if isinstance(data, dict) else None
    if isinstance(to, list) and to and isinstance(to[0], str):
        return to[0]
    return to if isinstance(to, str) else None
