"""Numbers as answers: a choice from a numbered list, a score, a reminder's 1/2/3."""

from __future__ import annotations

import re
import unicodedata

from dialogs.understanding.normalise import Normalised

__all__ = ["parse_number"]

_ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "primero": 1, "primera": 1, "segundo": 2, "segunda": 2,
    "tercero": 3, "tercera": 3, "premier": 1, "premiere": 1, "deuxieme": 2, "troisieme": 3,
}  # fmt: skip
_POLITE = frozenset({"please", "pls", "plz", "thanks", "thank", "you", "thx", "ty", "ok", "okay"})
_CHOICE_WORDS = _POLITE | frozenset(
    {
        "option", "options", "opt", "number", "num", "nr", "choice", "choose", "pick", "slot",
        "i", "ill", "id", "take", "want", "like", "would", "the", "one", "it", "is", "a", "go",
        "with", "lets", "do", "opcion", "numero", "el", "la", "por", "favor", "gracias",
        "star", "stars", "score", "rating", "rate", "give", "out", "of", "de", "sur", "von",
    }
)  # fmt: skip
_OUT_OF = frozenset({"of", "de", "sur", "von"})
_MAX_DIGITS = 3
_DIGIT = re.compile(r"\d")


def parse_number(normalised: Normalised, text: str, *, choosing: bool) -> int | None:
    """The number a reply consists of, or None when it says more than a number.

    Args:
        normalised: the analysed reply.
        text: the reply as received (to see a "/" as in "8/10").
        choosing: the reply picks from a list or gives a score, so words like "option",
            "the second one" and "8 out of 10" are understood; otherwise only polite words may
            stand beside the number.

    Returns:
        The number, e.g. 2 for "2", "#2", "Option 2", "the 2nd one" (choosing), 8 for "8/10".
    """
    if not choosing and _DIGIT.search(normalised.key) is None:
        return None
    allowed = _CHOICE_WORDS if choosing else _POLITE
    rest = [w for w in normalised.words if w not in allowed]
    if len(rest) == 1:
        word = rest[0]
        if (number := _as_number(word)) is not None:
            return number
        if choosing:
            return _ORDINALS.get(word)
        return None
    if choosing and len(rest) == 2:
        score, scale = _as_number(rest[0]), _as_number(rest[1])
        if score is None or scale is None:
            return None
        if "/" in text or not _OUT_OF.isdisjoint(normalised.words):
            return score if score <= scale else None
    return None


def _as_number(word: str) -> int | None:
    """The number a word of digits writes ("2", Arabic-Indic "٢", circled "②"), or None.

    Every character must be a digit with a value (``str.isdigit`` also admits characters such
    as "❶" that ``int`` refuses, so it is not used); at most ``_MAX_DIGITS`` of them.
    """
    if not word or len(word) > _MAX_DIGITS:
        return None
    value = 0
    for char in word:
        digit = unicodedata.digit(char, None)
        if digit is None:
            return None
        value = value * 10 + digit
    return value
