"""The OpenAPI 3.1 document of the Hub API, kept as data beside the handlers
(``openapi.yaml``) and served at ``/api/openapi.json``. A test keeps it in step with the
routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

__all__ = ["OPENAPI", "load_openapi", "serve_openapi"]

DOCUMENT = Path(__file__).with_name("openapi.yaml")

OPENAPI = web.AppKey("openapi_document", dict)


def load_openapi() -> dict[str, Any]:
    """The document, parsed."""
    with DOCUMENT.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


async def serve_openapi(request: web.Request) -> web.Response:
    """``GET /api/openapi.json``."""
    return web.json_response(request.app[OPENAPI])
