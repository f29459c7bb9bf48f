"""SMS length as carriers bill it: GSM-7 (160 / 153 per part) or UCS-2 (70 / 67 per part).

GSM-7 is the GSM 03.38 default alphabet; the characters of its extension table (``^{}[]~|
\\€`` and form feed) take two septets. Any other character makes the whole message UCS-2,
counted in UTF-16 code units (an emoji takes two).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SmsLength", "sms_length"]

_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True, slots=True)
class SmsLength:
    """How a text goes over SMS: ``encoding`` (``GSM-7`` or ``UCS-2``), ``units`` (septets or
    UTF-16 code units), ``segments`` (billed message parts) and ``per_segment`` capacity."""

    encoding: str
    units: int
    segments: int
    per_segment: int


def sms_length(text: str) -> SmsLength:
    """The encoding and segment count of ``text`` sent as one SMS (0 segments when empty)."""
    if all(ch in _GSM_BASIC or ch in _GSM_EXTENDED for ch in text):
        units = sum(2 if ch in _GSM_EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units == 0:
        return SmsLength(encoding, 0, 0, single)
    if units <= single:
        return SmsLength(encoding, units, 1, single)
    return SmsLength(encoding, units, -(-units // multi), multi)
