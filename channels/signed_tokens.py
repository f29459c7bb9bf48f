"""Small signed tokens (HMAC-SHA256) for links and sessions: ``<payload>.<mac>``, both base64url.

Each purpose derives its own key from the secret, so a token made for one use (an unsubscribe
link) is never accepted for another (a widget session).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

__all__ = ["MAX_TOKEN_LENGTH", "sign", "verify"]

MAX_TOKEN_LENGTH = 2048


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _key(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).digest()


def sign(secret: str, purpose: str, payload: dict[str, Any]) -> str:
    """A token carrying ``payload`` (JSON-safe) for ``purpose``."""
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(_key(secret, purpose), body.encode(), hashlib.sha256).digest()[:18]
    return f"{body}.{_b64(mac)}"


def verify(secret: str, purpose: str, token: str) -> dict[str, Any] | None:
    """The payload of a genuine token for ``purpose``; None for anything else (never raises)."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    if not body.isascii() or not mac.isascii():
        return None
    expected = hmac.new(_key(secret, purpose), body.encode(), hashlib.sha256).digest()[:18]
    try:
        if not hmac.compare_digest(_unb64(mac), expected):
            return None
        payload = json.loads(_unb64(body))
    except (binascii.Error, ValueError):
        return None
    return payload if isinstance(payload, dict) else None
