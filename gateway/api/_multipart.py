"""Reading multipart/form-data uploads: the parts one by one, each read with a size limit.

Every way a client's form can be broken (no boundary, a truncated part, a nested multipart, a
part too large, text that is not in its charset) becomes a 4xx naming what is wrong, whether
it shows while looking for the next part or while reading one. A part is read in chunks and
given up as soon as it passes its limit, so an oversized upload is never held in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import BodyPartReader, hdrs, web
from aiohttp.http_exceptions import HttpProcessingError

from gateway.errors import bad_request

__all__ = ["form_parts", "read_part", "read_text"]

_BROKEN = (ValueError, AssertionError, HttpProcessingError)
"""What aiohttp's multipart reader raises for a malformed form."""

_CHUNK = 64 * 1024


def _unreadable(field: str | None = None) -> web.HTTPException:
    return bad_request("the multipart form could not be read", field=field)


async def form_parts(request: web.Request) -> AsyncIterator[BodyPartReader]:
    """The parts of ``request``'s multipart form, in order (415 when it is not one)."""
    if request.content_type != "multipart/form-data":
        raise bad_request("send multipart/form-data", status=415)
    try:
        reader = await request.multipart()
    except _BROKEN:
        raise _unreadable() from None
    while True:
        try:
            part = await reader.next()
        except _BROKEN:
            raise _unreadable() from None
        if part is None:
            return
        if not isinstance(part, BodyPartReader):
            raise bad_request("nested multipart is not supported")
        yield part


async def read_part(part: BodyPartReader, *, limit: int, field: str) -> bytes:
    """The content of ``part``, its transfer encoding undone; 413 past ``limit`` bytes."""
    # A transfer encoding makes the part longer than its content: base64 by 4/3,
    # quoted-printable up to 3 times. The content is held to the limit once decoded.
    encoded = part.headers.get(hdrs.CONTENT_TRANSFER_ENCODING, "").strip().lower()
    raw_limit = limit if encoded in ("", "binary", "8bit", "7bit") else 3 * limit
    data = bytearray()
    try:
        while chunk := await part.read_chunk(_CHUNK):
            data.extend(chunk)
            if len(data) > raw_limit:
                raise _too_large(limit, field)
    except _BROKEN:
        raise _unreadable(field) from None
    decoded = bytearray()
    try:
        async for piece in part.decode_iter(data):  # base64, quoted-printable
            decoded.extend(piece)
            if len(decoded) > limit:
                raise _too_large(limit, field)
    except (*_BROKEN, RuntimeError):  # aiohttp's word for an unknown transfer encoding
        raise bad_request(f"{field} has an unknown or broken transfer encoding",
                          field=field) from None
    return bytes(decoded)


def _too_large(limit: int, field: str) -> web.HTTPException:
    return bad_request(f"{field} is larger than {limit} bytes", field=field, status=413)


async def read_text(part: BodyPartReader, *, limit: int, field: str) -> str:
    """The text of ``part`` in its charset (UTF-8 by default); 422 past ``limit`` characters
    or when it is not text in that charset."""
    data = await read_part(part, limit=limit * 4, field=field)  # UTF-8: up to 4 bytes a char
    try:
        text = data.decode(part.get_charset(default="utf-8"))
    except (LookupError, UnicodeDecodeError):
        raise bad_request(f"{field} is not valid text in its charset", field=field,
                          status=422) from None
    if len(text) > limit:
        raise bad_request(f"{field} is too long", field=field, status=422)
    return text
