"""One spelling per contact address, so lists (DNC, blocked, limited) match reliably."""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

from domain.errors import ValidationError

__all__ = ["DEFAULT_PHONE_REGION", "normalize_address"]

DEFAULT_PHONE_REGION = "US"


def normalize_address(address: str, *, field: str = "address") -> str:
    """The canonical form of a phone number or email address.

    Emails are stripped and lower-cased as a whole: lists compare addresses
    case-insensitively, because a patient typing ``Ana@Example.org`` on one form and
    ``ana@example.org`` on another is the same person. Phone numbers become E.164
    (``+12025550143``); numbers without a country code are read as US numbers. The number is
    only required to parse, not to be assigned, so fictional test numbers still match.

    Args:
        address: a phone number or email address as entered.
        field: the field name used in the error.

    Returns:
        The canonical address.

    Raises:
        ValidationError: ``address`` is empty or neither an email nor a phone number.
    """
    value = address.strip()
    if not value:
        raise ValidationError(field, "is required")
    canonical = _canonical(value)
    if canonical is None:
        kind = "an email address" if "@" in value else "a phone number or email"
        raise ValidationError(field, f"{address!r} is not {kind}")
    return canonical


@lru_cache(maxsize=65536)
def _canonical(value: str) -> str | None:
    """The canonical spelling of a stripped, non-empty address, or ``None`` when it is
    neither. Cached: the dispatcher normalises every recipient at send time, and parsing a
    phone number costs more than all the delivery rules together; the answer depends on the
    text alone."""
    if "@" in value:
        local, _, domain = value.rpartition("@")
        if not local or "." not in domain or any(ch.isspace() for ch in value):
            return None
        return value.lower()
    try:
        parsed = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
