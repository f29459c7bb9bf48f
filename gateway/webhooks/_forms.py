"""Reading webhook bodies safely: content type, size, UTF-8, form fields, Twilio signatures.

Every refusal is a 4xx whose JSON body says why (gateway/errors.py ``bad_request``).
"""

from __future__ import annotations

import functools
import json
from urllib.parse import unquote

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from channels.twilio_signature import SignatureChecker
from domain.errors import ValidationError
from gateway.errors import bad_request
from gateway.keys import SETTINGS

__all__ = [
    "MAX_FORM_BYTES",
    "form_pairs",
    "invalid",
    "parse_form",
    "read_body",
    "read_twilio_form",
    "service_unavailable",
]

MAX_FORM_BYTES = 64 * 1024
"""Largest Twilio webhook body accepted (real ones are a few KiB)."""
MAX_FORM_FIELDS = 200


def service_unavailable(message: str, *, retry_after: int | None = None) -> web.HTTPException:
    """A 503 whose JSON body says why (not configured, or busy)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return web.HTTPServiceUnavailable(
        text=json.dumps({"error": "unavailable", "message": message}),
        content_type="application/json",
        headers=headers,
    )


def invalid(exc: ValidationError) -> web.HTTPException:
    """A 400 naming the bad field of a provider payload."""
    return bad_request(exc.reason, field=exc.field)


async def read_body(request: web.Request, *, limit: int, content_types: tuple[str, ...]) -> bytes:
    """The request body, refused unless its type is one of ``content_types`` (415) and it is
    at most ``limit`` bytes (413)."""
    if request.content_type not in content_types:
        raise bad_request(
            f"expected Content-Type {' or '.join(content_types)}, got {request.content_type}",
            status=415,
        )
    length = request.content_length
    if length is not None and length > limit:
        raise bad_request(f"the body is larger than {limit} bytes", status=413)
    if length is not None and length <= request.client_max_size:
        # aiohttp reads exactly Content-Length bytes: no need to count them as they come.
        return await request.read()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(16 * 1024):
        size += len(chunk)
        if size > limit:
            raise bad_request(f"the body is larger than {limit} bytes", status=413)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_form(body: bytes) -> MultiDictProxy[str]:
    """The fields of an ``application/x-www-form-urlencoded`` body.

    Raises:
        web.HTTPBadRequest: not UTF-8, too many fields, or a NUL character in a field.
    """
    try:
        pairs = form_pairs(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise bad_request("the form is not valid UTF-8") from None
    except ValueError:
        raise bad_request(f"the form has more than {MAX_FORM_FIELDS} fields") from None
    for name, value in pairs:
        if "\x00" in name or "\x00" in value:
            raise bad_request("the form contains a NUL character", field=name.replace("\x00", ""))
    return MultiDictProxy(MultiDict(pairs))


def form_pairs(text: str) -> list[tuple[str, str]]:
    """``parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict",
    max_num_fields=MAX_FORM_FIELDS)``, the same pairs and errors, with the work of
    ``unquote`` done only for the names and values that need it (every webhook comes this
    way; tests/gateway/webhooks/test_form_pairs.py compares the two).

    Raises:
        ValueError: more than ``MAX_FORM_FIELDS`` fields.
        UnicodeDecodeError: a percent-escape that is not UTF-8.
    """
    if not text:
        return []
    if 1 + text.count("&") > MAX_FORM_FIELDS:
        raise ValueError("Max number of fields exceeded")
    pairs: list[tuple[str, str]] = []
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "+" in name:
            name = name.replace("+", " ")
        if "%" in name:
            name = unquote(name, encoding="utf-8", errors="strict")
        if "+" in value:
            value = value.replace("+", " ")
        if "%" in value:
            value = unquote(value, encoding="utf-8", errors="strict")
        pairs.append((name, value))
    return pairs


async def read_twilio_form(request: web.Request) -> MultiDictProxy[str]:
    """The fields of a Twilio webhook after checking its ``X-Twilio-Signature``.

    The signed URL is ``CARELINE_PUBLIC_URL`` + the path and query as requested, so the public
    URL must be the address Twilio is given (behind a proxy: the outside address).

    Raises:
        web.HTTPServiceUnavailable: Twilio is not configured (503).
        web.HTTPForbidden: the signature is missing or wrong (403).
        web.HTTPException: a 4xx for a body that is not a proper form.
    """
    settings = request.app[SETTINGS]
    if not settings.twilio.configured:
        raise service_unavailable(
            "Twilio is not configured on this Careline (set TWILIO_ACCOUNT_SID and "
            "TWILIO_AUTH_TOKEN); without it, try the simulator at /simulator"
        )
    body = await read_body(
        request, limit=MAX_FORM_BYTES, content_types=("application/x-www-form-urlencoded",)
    )
    form = parse_form(body)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        raise bad_request("the X-Twilio-Signature header is missing", status=403)
    url = settings.public_url + request.raw_path
    try:
        valid = _checker(settings.twilio.auth_token).valid(url, form, signature)
    except UnicodeEncodeError:  # Twilio signs UTF-8 text: this request is none of its own
        valid = False
    if not valid:
        raise bad_request("the X-Twilio-Signature does not match this request", status=403)
    return form


@functools.lru_cache(maxsize=4)
def _checker(auth_token: str) -> SignatureChecker:
    """The signature checker of an auth token (``RequestValidator``'s answers, see
    channels/twilio_signature.py), made once."""
    return SignatureChecker(auth_token)
