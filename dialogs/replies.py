"""The automatic answers of the core flows, in our own words, in the patient's language, with
the appointment time written the way their language writes it.

The texts are data: ``reply_library/<code>.yaml``, one file per language of the template
library (same codes, ``zh-TW`` is Traditional Chinese). Each file has a ``when`` pattern (how
the language joins a day and a time: "{day} at {time}") and ``replies``, one text per key.
The catalogue is read once and checked as a whole (``load_catalogue``): every language has
every English key, with exactly English's placeholders -- a missing key or a mistyped
``{placeholder}`` fails the catalogue test instead of a patient's reply. A language we do not
ship reads English; a regional tag reads its own file, else its base language
(``es-MX`` -> ``es``, ``zh-TW`` its own).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from zoneinfo import ZoneInfo

import phonenumbers
import yaml

from dialogs.effects import Reply
from domain.template_library.formatting import formatted_moment

__all__ = [
    "LANGUAGES",
    "CatalogueError",
    "ReplyPack",
    "catalogue_language",
    "format_phone",
    "format_when",
    "load_catalogue",
    "placeholders",
    "reply",
    "warm_formats",
]

FOLDER = Path(__file__).parent / "reply_library"
"""Where the shipped catalogue lives."""

_WHEN_FIELDS = frozenset({"day", "time"})


class CatalogueError(ValueError):
    """The reply catalogue is incomplete or inconsistent; the message lists every problem."""


@dataclass(frozen=True, slots=True)
class ReplyPack:
    """One language's replies: its name, how it joins a day and a time, and its texts."""

    language: str
    name: str
    when: str
    replies: MappingProxyType[str, str]


def placeholders(text: str) -> frozenset[str]:
    """The ``{names}`` a text fills in.

    Raises:
        ValueError: the text's braces are malformed ("{when", "{}").
    """
    names = set()
    for _, field, spec, conversion in string.Formatter().parse(text):
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise ValueError(f"placeholder {{{field}}} must be a plain name")
        names.add(field)
    return frozenset(names)


def _read(path: Path) -> ReplyPack:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
    if not isinstance(data, dict) or not isinstance(data.get("replies"), dict):
        raise CatalogueError(f"{path.name}: needs a `replies` mapping")
    replies = {str(k): str(v) for k, v in data["replies"].items()}
    return ReplyPack(path.stem, str(data.get("name", path.stem)), str(data.get("when", "")),
                     MappingProxyType(replies))


def _problems(pack: ReplyPack, english: ReplyPack) -> list[str]:
    code = pack.language
    problems = [f"{code}: missing {key}" for key in english.replies if key not in pack.replies]
    problems += [f"{code}: unknown key {key}" for key in pack.replies
                 if key not in english.replies]
    for key, text in pack.replies.items():
        if key not in english.replies:
            continue
        try:
            found = placeholders(text)
        except ValueError as exc:
            problems.append(f"{code}: {key}: {exc}")
            continue
        expected = placeholders(english.replies[key])
        if found != expected:
            problems.append(f"{code}: {key} has {sorted(found)}, English has {sorted(expected)}")
    try:
        if placeholders(pack.when) != _WHEN_FIELDS:
            problems.append(f"{code}: `when` must use exactly {{day}} and {{time}}")
    except ValueError as exc:
        problems.append(f"{code}: when: {exc}")
    return problems


def load_catalogue(folder: Path = FOLDER) -> MappingProxyType[str, ReplyPack]:
    """Every language's pack from ``folder``, checked against English.

    Raises:
        CatalogueError: English is missing, or a language lacks a key, has an unknown one, or
            fills in other placeholders than English does.
    """
    packs = {path.stem: _read(path) for path in sorted(folder.glob("*.yaml"))}
    english = packs.get("en")
    if english is None:
        raise CatalogueError(f"{folder}: no en.yaml")
    problems = [problem for pack in packs.values() for problem in _problems(pack, english)]
    if problems:
        raise CatalogueError("reply catalogue:\n" + "\n".join(problems))
    return MappingProxyType(packs)


_CATALOGUE = load_catalogue()
"""Read and checked once, at import: the flows answer from the event loop, where reading
files would block it (and a broken catalogue stops start-up rather than a reply)."""

LANGUAGES = frozenset(_CATALOGUE)
"""Languages with their own texts (others read English)."""

_BY_LOWER = MappingProxyType({code.lower(): code for code in LANGUAGES})


@lru_cache(maxsize=512)
def catalogue_language(language: str | None) -> str:
    """The catalogue language of a patient's tag: the tag itself, its base language, English."""
    tag = (language or "en").strip().replace("_", "-").lower()
    return _BY_LOWER.get(tag) or _BY_LOWER.get(tag.split("-")[0]) or "en"


_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EN_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _english_when(local: datetime, with_time: bool) -> str:
    """English as patients have always read it: "Tue, Nov 24 at 3:05 PM". CLDR's English
    gives the same text (a test checks it); this path only saves Babel's ~0.4 ms per call on
    the most common language."""
    day = f"{_EN_DAYS[local.weekday()]}, {_EN_MONTHS[local.month - 1]} {local.day}"
    if not with_time:
        return day
    hour = local.hour % 12 or 12
    return f"{day} at {hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


@lru_cache(maxsize=4096)
def _moment(at: datetime, zone: str, tag: str) -> tuple[str, str]:
    values = formatted_moment(at, zone, tag)
    return values["date"], values["time"]


def format_when(at: datetime, zone: ZoneInfo, language: str | None = "en", *,
                with_time: bool = True) -> str:
    """``at`` as a patient reads it at ``zone``, the way their reminder wrote it: "Tue, Nov 24
    at 3:05 PM", "mar, 24 de noviembre a las 15:05" (the day only when ``with_time`` is False).

    Dates and times come from the template library's CLDR formatting for the patient's own tag
    (so ``pt-BR`` and ``pt-PT`` differ as their reminders do); the catalogue's ``when`` joins
    them. A language without texts reads English, so its date is English too.
    """
    code = catalogue_language(language)
    if code == "en":
        return _english_when(at.astimezone(zone), with_time)
    day, time = _moment(at, zone.key, (language or code).strip().replace("_", "-"))
    if not with_time:
        return day
    return _CATALOGUE[code].when.format(day=day, time=time)


def warm_formats() -> None:
    """Load the CLDR date data of every catalogue language now. Babel reads it from disk on
    first use, which would block the event loop in the middle of a reply; start-up runs this
    in a thread instead. Regional tags (``es-MX``) still read their small regional file on
    first use."""
    moment = datetime(2000, 1, 3, 12, tzinfo=UTC)
    for code in LANGUAGES:
        formatted_moment(moment, "UTC", code)


def format_phone(number: str | None) -> str:
    """A phone number as patients dial it: "(312) 555-0111" for US numbers, the international
    form otherwise; "our office" when there is none."""
    if not number:
        return "our office"
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


def reply(key: str, language: str | None = "en", **values: object) -> Reply:
    """The catalogue text ``key`` in ``language`` (English for a language we do not ship),
    filled in.

    Raises:
        KeyError: ``key`` is not in the catalogue, or a placeholder has no value.
    """
    template = _CATALOGUE[catalogue_language(language)].replies[key]
    return Reply(template.format(**values), key=key)
