"""Reading request bodies and query strings: a clear 4xx for anything malformed."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from gateway.errors import bad_request

__all__ = ["optional_text", "query_int", "read_json", "text_field"]


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body; 400 when it is not one."""
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_request("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise bad_request("the body must be a JSON object")
    return body


def text_field(body: dict[str, Any], name: str, *, max_length: int = 256,
               required: bool = True) -> str:
    """A string field of a JSON body; 422 naming the field when missing or not text."""
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise bad_request(f"{name} is required and must be text", field=name, status=422)
    if len(value) > max_length:
        raise bad_request(f"{name} is longer than {max_length} characters", field=name,
                          status=422)
    return value


def optional_text(body: dict[str, Any], name: str, *, max_length: int = 256) -> str | None:
    """An optional string field (absent or null gives None); 422 when it is not text."""
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"{name} must be text", field=name, status=422)
    if len(value) > max_length:
        raise bad_request(f"{name} is longer than {max_length} characters", field=name,
                          status=422)
    return value


def query_int(request: web.Request, name: str, default: int, *, low: int, high: int) -> int:
    """An integer query parameter between ``low`` and ``high``; 422 otherwise."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a whole number", field=name, status=422) from None
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}", field=name, status=422)
    return value
