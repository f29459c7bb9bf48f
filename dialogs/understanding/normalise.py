"""Normalise a patient's reply so that keyword tables match what people actually type.

Case-folds, applies Unicode compatibility forms (full-width letters, ligatures), strips accents
from Latin and Greek letters ("Sí" == "si", "confirmé" == "confirme"), folds letter variants
(Arabic hamza carriers, "ё"), keeps other scripts intact, turns punctuation into spaces, removes
apostrophes ("can't" == "cant"), maps yes/no emoji to marker tokens and shortens emphatic letter
runs ("yesss" == "yes").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from dialogs.understanding._charmap import AFFIRM, CLAUSE, NEGATIVE, QUESTION, build_char_map

__all__ = ["AFFIRM_TOKEN", "NEGATIVE_TOKEN", "Normalised", "analyse", "normalise", "squeeze"]

AFFIRM_TOKEN = AFFIRM
"""The token an affirmative emoji (👍 ✅ 👌 🙂 ...) becomes."""
NEGATIVE_TOKEN = NEGATIVE
"""The token a negative emoji (👎 ❌ 🚫 ...) becomes."""

_RUN3 = re.compile(r"([^\W\d_])\1\1+")
_DOUBLE = re.compile(r"([^\W\d_])\1+")
_EMOTICON = re.compile(r"(?:[:;=]-?[)\]]|\(-?[:;=]|<3|[:;=]-?[(\[/\\|]|[:;=]-?[dpo])(?!\w)")
_EMOTICON_TRIGGERS = frozenset(":;=<(")
_SMILES = frozenset({":)", ":-)", ":]", ";)", ";-)", "=)", "(:", "(-:", "(="})


@dataclass(frozen=True, slots=True)
class Normalised:
    """A reply prepared for matching.

    Attributes:
        key: the words joined by single spaces; emphatic runs shortened to two letters.
        words: the words of ``key``.
        clauses: for each word, the index of the clause it is in (clauses end at , . ! ? ...).
        question: the reply contains a question mark.
        emphatic_key: ``key`` with letter runs of three or more shortened to one letter, or None
            when the reply has no such run.
    """

    key: str
    words: tuple[str, ...]
    clauses: tuple[int, ...]
    question: bool
    emphatic_key: str | None


@cache
def _char_map() -> dict[int, str]:
    return build_char_map()


def _emoticon(match: re.Match[str]) -> str:
    return " \N{SLIGHTLY SMILING FACE} " if match.group(0) in _SMILES else " "


def analyse(text: str) -> Normalised:
    """Normalise ``text`` and keep what the classifier needs besides the words.

    Args:
        text: a reply exactly as received.

    Returns:
        The normalised form; never raises on any string.
    """
    s = text if text.isascii() else unicodedata.normalize("NFKC", text)
    s = s.casefold()
    if not _EMOTICON_TRIGGERS.isdisjoint(s):
        s = _EMOTICON.sub(_emoticon, s)
    s = s.translate(_char_map())
    question = QUESTION in s
    if question:
        s = s.replace(QUESTION, " ")
    emphatic_key: str | None = None
    if _RUN3.search(s) is not None:
        emphatic_key = " ".join(w for w in _RUN3.sub(r"\1", s).split() if w != CLAUSE)
        s = _RUN3.sub(r"\1\1", s)
    raw = s.split()
    if CLAUSE in s:
        words: list[str] = []
        clauses: list[int] = []
        clause = 0
        for token in raw:
            if token == CLAUSE:
                clause += 1
            else:
                words.append(token)
                clauses.append(clause)
        return Normalised(" ".join(words), tuple(words), tuple(clauses), question, emphatic_key)
    return Normalised(" ".join(raw), tuple(raw), (0,) * len(raw), question, emphatic_key)


def normalise(text: str) -> str:
    """The normalised form of ``text``: the words, single-spaced, as the tables are keyed.

    Args:
        text: a reply exactly as received.

    Returns:
        For example ``"yes"`` for ``"YESSS!!"``, ``"cant make it"`` for ``"Can't make it."``,
        ``"si"`` for ``"¡Sí!"``, ``AFFIRM_TOKEN`` for ``"👍🏽"``. Empty for punctuation only.
    """
    result = analyse(text)
    return result.emphatic_key if result.emphatic_key is not None else result.key


@lru_cache(maxsize=8192)
def squeeze(word: str) -> str:
    """``word`` with every run of a repeated letter shortened to one ("yess" -> "yes")."""
    return _DOUBLE.sub(r"\1", word)
