"""Dates and times as a patient reads them, in their language (Babel's CLDR data)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time

__all__ = ["formatted_moment", "locale_for"]


@lru_cache(maxsize=256)
def locale_for(language: str) -> Locale:
    """The CLDR locale of a language tag (``pt-BR``, ``zh-TW``), English when unknown."""
    try:
        return Locale.parse(language, sep="-")
    except (UnknownLocaleError, ValueError):
        try:
            return Locale.parse(language.split("-")[0])
        except (UnknownLocaleError, ValueError):
            return Locale.parse("en")


def formatted_moment(moment: datetime, zone: str, language: str) -> dict[str, str]:
    """``moment`` in ``zone`` as squiggly values: ``date`` (short, with weekday), ``date_long``,
    ``time``, ``weekday``, ``iso`` (local ISO 8601) and ``zone``."""
    local = moment.astimezone(ZoneInfo(zone))
    locale = locale_for(language)
    values = {
        "date": format_skeleton("MMMMEEEEd", local, locale=locale),
        "date_long": format_date(local, "full", locale=locale),
        "time": format_time(local, "short", locale=locale),
        "weekday": format_date(local, "EEEE", locale=locale),
    }
    # CLDR puts narrow no-break spaces in times ("9:30 AM"); a plain space keeps an English
    # text in GSM-7, i.e. one SMS segment instead of several.
    cleaned = {k: v.replace("\u202f", " ").replace("\u00a0", " ") for k, v in values.items()}
    return cleaned | {"iso": local.isoformat(), "zone": local.tzname() or zone}
