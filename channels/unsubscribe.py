"""Unsubscribe links of outbound email: a signed token naming the organisation and address."""

from __future__ import annotations

from dataclasses import dataclass

from channels.signed_tokens import sign, verify

__all__ = ["Unsubscribe", "read_unsubscribe_token", "unsubscribe_token", "unsubscribe_url"]

_PURPOSE = "email-unsubscribe"


@dataclass(frozen=True, slots=True)
class Unsubscribe:
    org_id: str
    address: str
    careline_address: str | None


def unsubscribe_token(secret: str, org_id: str, address: str, careline_address: str | None) -> str:
    """The token of the unsubscribe link for ``address`` (it does not expire)."""
    payload: dict[str, object] = {"o": org_id, "a": address}
    if careline_address:
        payload["f"] = careline_address
    return sign(secret, _PURPOSE, payload)


def unsubscribe_url(public_url: str, token: str) -> str:
    """The link put in the email and its ``List-Unsubscribe`` header."""
    return f"{public_url.rstrip('/')}/unsubscribe/{token}"


def read_unsubscribe_token(secret: str, token: str) -> Unsubscribe | None:
    """What a genuine token unsubscribes; None for a forged or damaged one."""
    payload = verify(secret, _PURPOSE, token)
    if payload is None:
        return None
    org_id, address, sender = payload.get("o"), payload.get("a"), payload.get("f")
    if not isinstance(org_id, str) or not isinstance(address, str) or not address:
        return None
    return Unsubscribe(org_id, address, sender if isinstance(sender, str) else None)
