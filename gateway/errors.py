"""One place that maps domain errors (and malformed requests) to HTTP answers.

Anything a client can send gets a 4xx with a reason; a 500 means a bug, and its body says
nothing about internals.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from aiohttp import web

from domain.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationError
from gateway.logs import get_logger

__all__ = ["bad_request", "error_middleware"]

log = get_logger(__name__)

_STATUS: dict[type[DomainError], int] = {
    ValidationError: 422,
    NotFound: 404,
    Conflict: 409,
    PermissionDenied: 403,
}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def bad_request(message: str, *, field: str | None = None, status: int = 400) -> web.HTTPException:
    """An HTTP error (400, 404, 409, 413, 415 or 422) whose JSON body names the problem."""
    body: dict[str, object] = {"error": _REASONS.get(status, "bad_request"), "message": message}
    if field is not None:
        body["field"] = field
    text = json.dumps(body)
    if status == 413:
        return web.HTTPRequestEntityTooLarge(
            max_size=0, actual_size=0, text=text, content_type="application/json"
        )
    cls = _HTTP.get(status, web.HTTPBadRequest)
    return cls(text=text, content_type="application/json")


_HTTP: dict[int, type[web.HTTPException]] = {
    400: web.HTTPBadRequest,
    403: web.HTTPForbidden,
    404: web.HTTPNotFound,
    409: web.HTTPConflict,
    415: web.HTTPUnsupportedMediaType,
    422: web.HTTPUnprocessableEntity,
    429: web.HTTPTooManyRequests,
}
_REASONS = {
    403: "forbidden",
    404: "not_found",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except DomainError as exc:
        status = next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 400)
        return web.json_response(exc.to_dict(), status=status)
    except UnicodeDecodeError:
        return web.json_response(
            {"error": "bad_request", "message": "the request body is not valid UTF-8"}, status=400
        )
    except Exception:
        log.exception("unhandled_error", path=request.path, method=request.method)
        return web.json_response(
            {"error": "internal", "message": "something went wrong on our side"}, status=500
        )
