"""Reading waitlist request fields: a clear 422 naming the field for anything malformed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from gateway.api._body import optional_text
from gateway.api._multipart import form_parts, read_part
from gateway.errors import bad_request
from gateway.webhooks._forms import read_body

__all__ = ["MAX_CSV_BYTES", "csv_bytes", "duration", "iso_time"]

MAX_CSV_BYTES = 2 * 1024 * 1024


def iso_time(body: dict[str, Any], name: str) -> datetime | None:
    raw = optional_text(body, name, max_length=40)
    if raw is None:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise bad_request(f"{name} must be an ISO 8601 time", field=name, status=422) from None
    if value.utcoffset() is None:
        raise bad_request(f"{name} needs a time zone offset", field=name, status=422)
    return value


def duration(body: dict[str, Any]) -> int | None:
    value = body.get("duration_minutes")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 5 <= value <= 720:
        raise bad_request("duration_minutes must be a whole number from 5 to 720",
                          field="duration_minutes", status=422)
    return value


async def csv_bytes(request: web.Request) -> bytes:
    """An uploaded CSV: the body (``text/csv``) or the multipart field ``file``; 413 when
    larger than 2 MiB, 415 for another content type."""
    if request.content_type == "multipart/form-data":
        async for part in form_parts(request):
            if part.name == "file":
                return await read_part(part, limit=MAX_CSV_BYTES, field="file")
        raise bad_request("send the CSV as the multipart field 'file'", field="file")
    return await read_body(request, limit=MAX_CSV_BYTES,
                           content_types=("text/csv", "text/plain", "application/csv"))


_TRUE = ("1", "true", "yes")
_FALSE = ("", "0", "false", "no")


def dry_run_flag(request: web.Request) -> bool:
    """``?dry_run=``: true only checks an upload; an unknown value is refused rather than
    guessed (guessing "no" would store what the caller meant only to check)."""
    raw = request.query.get("dry_run", "").lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise bad_request("dry_run must be 1/true/yes or 0/false/no", field="dry_run", status=422)


def upload_report(result: dict[str, Any], problems: int) -> web.Response:
    """The report of an upload: 200 with every line's outcome, or 422 when the file itself has
    ``problems`` (no header, unknown columns...), with the error shape of every other 4xx."""
    if not problems:
        return web.json_response(result)
    noun = "problem" if problems == 1 else "problems"
    return web.json_response(
        {"error": "invalid", "message": f"the file has {problems} {noun}; see the report",
         **result},
        status=422,
    )
