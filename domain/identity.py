"""Patient identity matching: does what a person told us (name, date of birth) name exactly one
patient on file? Pure; used by the texting identity check (PIT-04) and the chat widget.

Matching is deliberately strict: the date of birth must be equal and the name must agree once
case, accents, punctuation and small typos are set aside. Two or more plausible patients give
no match, and a placeholder profile is never a match: staff decide those cases.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz

from domain.model import Patient

__all__ = [
    "IdentityClaim",
    "IdentityMatch",
    "match_patient",
    "name_score",
    "normalise_name",
    "parse_date_of_birth",
    "parse_full_name",
]

NAME_THRESHOLD = 88.0
"""Similarity (0-100) two normalised full names need to count as the same name: allows a typo or
two in a typical name, not a different first name."""

_NAME_TEXT = re.compile(r"^[^\W\d_]+(?:[ ,'\u2019.\-]+[^\W\d_]+)*\.?$")
"""Words of letters joined by spaces, commas, apostrophes, dots or hyphens."""
_NAME_LEADS = ("my name is", "my name's", "this is", "i am", "i'm", "im", "it's", "it is",
               "me llamo", "mi nombre es", "soy")
_NOT_NAMES = frozenset(
    "a an and are at can could do does for hello help hi how i is it me my need no not of "
    "on please the thanks this to want what when where who why will yes you your "
    "cita el es favor hola la mi necesito no por que quiero sí si una".split()
)

_MONTHS = {
    name: index + 1
    for index, names in enumerate(
        [("january", "jan", "enero", "ene"), ("february", "feb", "febrero"),
         ("march", "mar", "marzo"), ("april", "apr", "abril", "abr"), ("may", "mayo"),
         ("june", "jun", "junio"), ("july", "jul", "julio"),
         ("august", "aug", "agosto", "ago"),
         ("september", "sep", "sept", "septiembre", "setiembre", "set"),
         ("october", "oct", "octubre"), ("november", "nov", "noviembre"),
         ("december", "dec", "diciembre", "dic")]
    )
    for name in names
}


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityClaim:
    """Who a person says they are."""

    first_name: str
    last_name: str
    date_of_birth: date


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityMatch:
    """The outcome of matching a claim.

    Attributes:
        patient_id: the one patient the claim names, or None.
        candidates: ids of every patient whose date of birth and name agree (more than one
            means the claim is ambiguous and ``patient_id`` is None).
    """

    patient_id: str | None
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


def normalise_name(text: str) -> str:
    """``text`` folded for comparison: lower case, accents removed, punctuation and runs of white
    space turned into single spaces ("  O'Brien-Núñez " → "o brien nunez")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]|_|\d", " ", plain).split())


def parse_full_name(text: str) -> tuple[str, str] | None:
    """A (first, last) name from what a person typed, or None when it is not a name.

    Accepts "First Last", "First Middle Last" (the middle names are kept with the first name),
    "Last, First", and those after "my name is", "I'm", "me llamo"... Needs two to four words
    of letters (apostrophes, hyphens and dots allowed), none of them a common word of a
    sentence ("why do you need this" is not a name).
    """
    cleaned = " ".join(text.strip().rstrip(".!").split())
    lowered = cleaned.lower()
    for lead in _NAME_LEADS:
        if lowered.startswith(lead + " "):
            cleaned = cleaned[len(lead) + 1:]
            break
    if not cleaned or len(cleaned) > 100 or not _NAME_TEXT.match(cleaned):
        return None
    words = cleaned.replace(",", " ").lower().split()
    if not 2 <= len(words) <= 4 or any(w in _NOT_NAMES for w in words):
        return None
    if "," in cleaned:
        last, _, first = cleaned.partition(",")
        first, last = first.strip(), last.strip()
        if first and last and _has_letters(first) and _has_letters(last):
            return first, last
        return None
    words = [w for w in cleaned.split(" ") if _has_letters(w)]
    if len(words) < 2:
        return None
    return " ".join(words[:-1]), words[-1]


def parse_date_of_birth(text: str, *, today: date, day_first: bool = False) -> date | None:
    """A date of birth from what a person typed, or None when none can be read.

    Accepts 03/04/1980, 3-4-80, 1980-03-04, "March 4, 1980", "4 March 1980" (English and
    Spanish month names). Numeric dates are month first unless ``day_first`` or unless the first
    number cannot be a month. Two-digit years fall in the hundred years up to ``today``. Dates
    after ``today`` or more than 130 years before it are refused.
    """
    cleaned = text.strip().lower().replace(",", " ")
    found = _iso(cleaned) or _numeric(cleaned, today, day_first) or _worded(cleaned, today)
    if found is None or found > today or today.year - found.year > 130:
        return None
    return found


def name_score(claim: IdentityClaim, patient: Patient) -> float:
    """How alike the claimed name and ``patient``'s name are, 0 to 100 (order of the two names
    ignored)."""
    claimed = normalise_name(f"{claim.first_name} {claim.last_name}")
    swapped = normalise_name(f"{claim.last_name} {claim.first_name}")
    on_file = normalise_name(f"{patient.first_name} {patient.last_name}")
    if not claimed or not on_file:
        return 0.0
    return max(fuzz.ratio(claimed, on_file), fuzz.ratio(swapped, on_file))


def match_patient(claim: IdentityClaim, patients: Iterable[Patient]) -> IdentityMatch:
    """The patient among ``patients`` that ``claim`` names, if exactly one does.

    A patient matches when the date of birth is equal and :func:`name_score` reaches
    ``NAME_THRESHOLD``. Placeholder profiles never match.
    """
    matches = tuple(
        p.id
        for p in patients
        if not p.placeholder
        and p.date_of_birth == claim.date_of_birth
        and name_score(claim, p) >= NAME_THRESHOLD
    )
    return IdentityMatch(patient_id=matches[0] if len(matches) == 1 else None, candidates=matches)


def _has_letters(word: str) -> bool:
    return any(ch.isalpha() for ch in word)


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(year: int, digits: int, today: date) -> int:
    if digits > 2:
        return year
    candidate = today.year // 100 * 100 + year
    return candidate - 100 if candidate > today.year else candidate


def _iso(text: str) -> date | None:
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", text)
    return None if match is None else _safe_date(*(int(g) for g in match.groups()))


def _numeric(text: str, today: date, day_first: bool) -> date | None:
    match = re.fullmatch(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{2}|\d{4})", text)
    if match is None:
        match = re.fullmatch(r"(\d{2})(\d{2})(\d{4})", text)
    if match is None:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    year = _full_year(int(match.group(3)), len(match.group(3)), today)
    month, day = (second, first) if day_first or first > 12 else (first, second)
    return _safe_date(year, month, day)


def _worded(text: str, today: date) -> date | None:
    words = [w.rstrip(".") for w in text.replace("de ", " ").replace("/", " ").split()]
    month = next((_MONTHS[w] for w in words if w in _MONTHS), None)
    numbers = [w.removesuffix("st").removesuffix("nd").removesuffix("rd").removesuffix("th")
               for w in words if w not in _MONTHS]
    digits = [n for n in numbers if n.isdigit()]
    if month is None or len(digits) != 2 or len(words) != 3:
        return None
    day_text, year_text = (digits[0], digits[1]) if len(digits[1]) in (2, 4) else digits[::-1]
    if len(day_text) > 2:
        day_text, year_text = year_text, day_text
    year = _full_year(int(year_text), len(year_text), today)
    return _safe_date(year, month, int(day_text))
