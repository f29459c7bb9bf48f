"""Signed patient links (REM-03, REM-22): appointment detail and reschedule pages.

A link is ``{CARELINE_PUBLIC_URL}/p/{purpose}/{appointment_id}?t={expires}.{signature}``;
the signature is an HMAC-SHA256 of purpose, id and expiry with the server's secret key, so a
link cannot be altered to reach another appointment or outlive its expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

__all__ = ["sign_link", "verify_link"]


def _signature(secret: str, purpose: str, appointment_id: str, expires: int) -> str:
    message = f"{purpose}:{appointment_id}:{expires}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign_link(
    public_url: str, secret: str, purpose: str, appointment_id: str, expires: datetime
) -> str:
    """A signed link to ``purpose`` (``detail`` or ``reschedule``) of one appointment."""
    stamp = int(expires.timestamp())
    token = f"{stamp}.{_signature(secret, purpose, appointment_id, stamp)}"
    return f"{public_url.rstrip('/')}/p/{purpose}/{appointment_id}?t={token}"


def verify_link(secret: str, purpose: str, appointment_id: str, token: str, now: datetime) -> bool:
    """True when ``token`` was signed for this purpose and appointment and has not expired."""
    stamp_text, _, signature = token.partition(".")
    if not stamp_text.isdigit():
        return False
    stamp = int(stamp_text)
    expected = _signature(secret, purpose, appointment_id, stamp)
    return hmac.compare_digest(expected, signature) and now.timestamp() <= stamp
