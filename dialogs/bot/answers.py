"""Understanding a visitor's answer to an ``ask`` step: a name, a date of birth, a phone number,
a choice among options... Pure; None means "not understood, ask again"."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rapidfuzz import fuzz

from domain.errors import ValidationError
from domain.identity import parse_date_of_birth, parse_full_name
from domain.model import _validate as v

__all__ = ["MAX_ANSWER", "Answer", "choose", "read_answer"]

MAX_ANSWER = 1000
_SKIP = frozenset({"skip", "no", "none", "nothing", "n/a", "na", "no thanks", "-"})
_NUMBER = re.compile(r"^(?:option\s*|#\s*)?(\d{1,2})[.)]?$")


@dataclass(frozen=True, slots=True)
class Answer:
    """An understood answer: the values to save and, for a choice, the option's index."""

    values: Mapping[str, str] = field(default_factory=dict)
    option: int | None = None


def read_answer(expect: str, text: str, *, save: str, labels: Sequence[str] = (),
                values: Sequence[str] = (), today: date, region: str = "US") -> Answer | None:
    """What ``text`` answers to a question expecting ``expect`` (a ``definition.Expect``).

    Args:
        expect: the kind of answer the step expects.
        text: what the visitor typed (or the label of the button they pressed).
        save: the name the answer is saved under ("" for the kind's default name).
        labels: the options shown (choice and slot questions).
        values: what each option saves (defaults to its label).
        today: the visitor's date (dates of birth cannot be later).
        region: the organisation's country, for phone numbers without a country code.

    Returns:
        The answer, or None when ``text`` does not answer the question.
    """
    text = " ".join(text.split()) if expect != "text" else text.strip()
    if not text or len(text) > MAX_ANSWER:
        return None
    if expect in ("choice", "slot"):
        index = choose(text, labels)
        if index is None:
            return None
        saved = values[index] if index < len(values) and values[index] else labels[index]
        return Answer({save: saved} if save else {}, index)
    reader = _READERS.get(expect)
    if reader is None:
        return None
    value = reader(text, today, region)
    if value is None:
        return None
    found: dict[str, str] = {save or _DEFAULT_NAMES.get(expect, expect): value}
    if expect == "full_name":
        parsed = parse_full_name(value)
        if parsed is not None:
            found.update(first_name=parsed[0], last_name=parsed[1])
    return Answer(found)


def choose(text: str, labels: Sequence[str]) -> int | None:
    """The index of the option ``text`` picks: by its number, its words, or a close spelling;
    None when it picks none or could mean several."""
    folded = _fold(text)
    number = _NUMBER.match(folded)
    if number is not None:
        picked = int(number.group(1))
        return picked - 1 if 1 <= picked <= len(labels) else None
    folded_labels = [_fold(label) for label in labels]
    for check in (
        lambda label: label == folded,
        lambda label: len(folded) >= 2 and label.startswith(folded + " "),
        lambda label: len(folded) >= 4 and folded in label,
        lambda label: fuzz.ratio(label, folded) >= 85,
    ):
        hits = [i for i, label in enumerate(folded_labels) if check(label)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            return None
    return None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w#.)]+", " ", plain).split()).strip(" .")


def _text(text: str, today: date, region: str) -> str | None:
    return text


def _optional(text: str, today: date, region: str) -> str | None:
    return "" if _fold(text) in _SKIP else text


def _full_name(text: str, today: date, region: str) -> str | None:
    parsed = parse_full_name(text)
    return None if parsed is None else f"{parsed[0]} {parsed[1]}"


def _date_of_birth(text: str, today: date, region: str) -> str | None:
    found = parse_date_of_birth(text, today=today)
    return None if found is None else found.isoformat()


def _phone(text: str, today: date, region: str) -> str | None:
    try:
        return v.phone("phone", text, region=region)
    except ValidationError:
        return None


def _email(text: str, today: date, region: str) -> str | None:
    try:
        return v.email("email", text)
    except ValidationError:
        return None


def _contact(text: str, today: date, region: str) -> str | None:
    return _email(text, today, region) if "@" in text else _phone(text, today, region)


def _code(text: str, today: date, region: str) -> str | None:
    digits = re.sub(r"[\s-]", "", text)
    return digits if digits.isascii() and digits.isdigit() and 4 <= len(digits) <= 8 else None


_READERS: dict[str, Any] = {
    "text": _text,
    "optional_text": _optional,
    "full_name": _full_name,
    "date_of_birth": _date_of_birth,
    "phone": _phone,
    "email": _email,
    "contact": _contact,
    "code": _code,
}

_DEFAULT_NAMES = {"full_name": "full_name", "date_of_birth": "date_of_birth", "code": "code"}
