"""Small validators shared by the model's dataclasses. Each raises ValidationError(field, ...)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers

from domain.errors import ValidationError

_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


def text(field: str, value: object, *, max_length: int = 200, required: bool = True) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, "must be text")
    value = value.strip()
    if required and not value:
        raise ValidationError(field, "is required")
    if len(value) > max_length:
        raise ValidationError(field, f"is longer than {max_length} characters")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise ValidationError(field, "contains control characters")
    return value


def zone(field: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValidationError(field, "must be an IANA time zone name such as America/Chicago")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(field, f"unknown time zone {value!r}") from None
    return value


def phone(field: str, value: object, *, region: str = "US") -> str:
    """Parse a phone number to E.164; raise if it is not a valid number."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "must be a phone number")
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(field, f"{value!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(field, f"{value!r} is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def email(field: str, value: object) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()) or len(value) > 254:
        raise ValidationError(field, f"{value!r} is not an email address")
    local, _, domain_part = value.strip().rpartition("@")
    return f"{local}@{domain_part.lower()}"


def language(field: str, value: object) -> str:
    if not isinstance(value, str) or not _LANGUAGE.match(value):
        raise ValidationError(field, "must be a language code such as 'en' or 'pt-BR'")
    return value


def aware(field: str, value: object) -> datetime:
    if not isinstance(value, datetime):
        raise ValidationError(field, "must be a date and time")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field, "must carry a time zone")
    return value


def past_date(field: str, value: object, *, today: date | None = None) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(field, "must be a date")
    if today is not None and value > today:
        raise ValidationError(field, "is in the future")
    if value.year < 1880:
        raise ValidationError(field, "is implausibly early")
    return value


def positive_minutes(field: str, value: object, *, maximum: int = 24 * 60) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, "must be a whole number of minutes")
    if not 0 < value <= maximum:
        raise ValidationError(field, f"must be between 1 and {maximum} minutes")
    return value


def duration(field: str, value: object) -> timedelta:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError(field, "must be a positive duration")
    return value
