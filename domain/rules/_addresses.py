"""One spelling per contact address, so lists (DNC, blocked, limited) match reliably."""

from __future__ import annotations

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
    if "@" in value:
        local, _, domain = value.rpartition("@")
        if not local or "." not in domain or any(ch.isspace() for ch in value):
            raise ValidationError(field, f"{address!r} is not an email address")
        return value.lower()
    try:
        parsed = phonenumbers.parse(value, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(field, f"{address!r} is not a phone number or email") from None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
