"""Validation of Twilio webhook form fields: each failure names the field (ValidationError)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from domain.errors import ValidationError

_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")
_TWILIO_MEDIA = re.compile(r"^https://[A-Za-z0-9.-]+(:[0-9]{1,5})?/[!-~]{0,2000}$")


def required(form: Mapping[str, str], name: str, *, max_length: int = 4000) -> str:
    value = form.get(name)
    if value is None or value == "":
        raise ValidationError(name, "is required")
    if len(value) > max_length:
        raise ValidationError(name, f"is longer than {max_length} characters")
    return value


def optional(form: Mapping[str, str], name: str, *, max_length: int = 4000) -> str:
    value = form.get(name) or ""
    if len(value) > max_length:
        raise ValidationError(name, f"is longer than {max_length} characters")
    return value


def e164(form: Mapping[str, str], name: str) -> str:
    value = required(form, name, max_length=16)
    if not _E164.match(value):
        raise ValidationError(name, "must be a phone number in E.164 form such as +15555550100")
    return value


def sid(form: Mapping[str, str], name: str, prefixes: tuple[str, ...]) -> str:
    value = required(form, name, max_length=34)
    if not _SID.match(value) or not value.startswith(prefixes):
        raise ValidationError(name, f"must be a Twilio id starting with {' or '.join(prefixes)}")
    return value


def count(form: Mapping[str, str], name: str, *, maximum: int) -> int:
    raw = form.get(name) or "0"
    if not raw.isascii() or not raw.isdigit() or len(raw) > 3:
        raise ValidationError(name, "must be a whole number")
    value = int(raw)
    if value > maximum:
        raise ValidationError(name, f"must be at most {maximum}")
    return value


def media_url(form: Mapping[str, str], name: str) -> str:
    value = required(form, name, max_length=2048)
    if not _TWILIO_MEDIA.match(value):
        raise ValidationError(name, "must be an https:// link")
    return value
