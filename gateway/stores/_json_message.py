"""Encoding of pub/sub messages: JSON objects as compact UTF-8 JSON text."""

from __future__ import annotations

import json
import logging

from gateway.stores.ports import JsonObject

__all__ = ["decode_message", "encode_message"]

_log = logging.getLogger(__name__)


def encode_message(message: JsonObject) -> bytes:
    """Serialise ``message``; raise ``TypeError`` unless it is a JSON-serialisable dict."""
    if not isinstance(message, dict):
        raise TypeError(f"a pub/sub message must be a dict, got {type(message).__name__}")
    try:
        text = json.dumps(message, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except ValueError as exc:  # NaN or infinity: not JSON
        raise TypeError(f"a pub/sub message must be valid JSON: {exc}") from exc
    return text.encode()


def decode_message(data: bytes) -> JsonObject | None:
    """Parse a message; ``None`` (and a warning) for a payload that is not a JSON object."""
    try:
        value = json.loads(data)
    except ValueError:
        _log.warning("pub/sub payload is not JSON; dropped", extra={"size": len(data)})
        return None
    if not isinstance(value, dict):
        _log.warning("pub/sub payload is not a JSON object; dropped")
        return None
    return value
