# ruff: noqa: RUF001 -- the table holds letters of its own script on purpose.
"""The one translation table behind normalisation, computed once from the Unicode database.

Maps every code point that matters to what matching wants: punctuation and symbols to spaces
(clause punctuation to a clause mark, question marks to a question mark token, apostrophes to
nothing), accents off Latin and Greek letters, Arabic and Hebrew vowel marks off, letter variants
that people type interchangeably to one form, non-ASCII decimal digits to ASCII, and the emoji
that carry a yes or a no to marker tokens. Scripts such as CJK, Cyrillic, Devanagari, Thai or
Hangul keep their letters and marks.
"""

from __future__ import annotations

import unicodedata

__all__ = ["AFFIRM", "CLAUSE", "NEGATIVE", "QUESTION", "build_char_map"]

AFFIRM = "\ue000"  # 👍 ✅ 👌 🙂 ...
NEGATIVE = "\ue001"  # 👎 ❌ 🚫 ...
QUESTION = "\ue00f"  # ? ¿ ؟ ❓ ...
CLAUSE = "\ue010"  # , . ! ; newline ... (a clause boundary)

_AFFIRM_EMOJI = "👍👌✅✔☑🆗✓🙂😊☺😀😃😄😁👏🙆💯"
_NEGATIVE_EMOJI = "👎❌🚫✖❎⛔🙅✗✘🛑"
_QUESTION_MARKS = "?¿؟⸮՞፧❓❔⁇⁈⁉"
_CLAUSE_MARKS = ".,!;:…、。，！،؛۔।॥።፣၊။។៕\n\r\u2028\u2029¡"
_APOSTROPHES = "'’‘ʼ`´׳՚"

# Letters that carry no decomposition but are typed as their plain form.
_LETTER_FOLDS = {
    "đ": "d",
    "ð": "d",
    "ł": "l",
    "ø": "o",
    "ı": "i",
    "ħ": "h",
    "ŧ": "t",
    "ŀ": "l",
    "æ": "ae",
    "œ": "oe",
    "ё": "е",
    # Arabic script: hamza carriers, alef maqsura, kaf, ta marbuta and Urdu he to one form each.
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ی",
    "ي": "ی",
    "ك": "ک",
    "ة": "ه",
    "ہ": "ه",
    "ۃ": "ه",
    "ـ": "",
    # Devanagari candrabindu and anusvara are typed interchangeably.
    "\u0901": "\u0902",
}

_DELETED_MARK_RANGES = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
    (0xFE00, 0xFE0F),  # variation selectors (emoji presentation)
    (0x0591, 0x05C7),  # Hebrew points
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0670, 0x0670),
    (0x06D6, 0x06ED),  # Arabic marks
    (0x093C, 0x093C),
    (0x09BC, 0x09BC),
    (0x0A3C, 0x0A3C),
    (0x0ABC, 0x0ABC),  # Indic nuktas
)
_STRIPPED_RANGES = (  # letters whose accents come off (Latin, Greek)
    (0x00C0, 0x024F),
    (0x1E00, 0x1EFF),
    (0x2C60, 0x2C7F),
    (0xA720, 0xA7FF),
    (0x0370, 0x03FF),
    (0x1F00, 0x1FFF),
)
_EXTRA_RANGES = ((0x1F000, 0x1FAFF), (0xE0000, 0xE007F))  # emoji, flags, tags


def _in(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


def _strip_accents(ch: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base or ch


def _map_one(code: int) -> str | None:
    """The replacement of one code point, or None to keep it unchanged."""
    ch = chr(code)
    if ch in (AFFIRM, NEGATIVE):
        return None  # normalising twice gives the same result
    if ch in _LETTER_FOLDS:
        return _LETTER_FOLDS[ch]
    if ch in _AFFIRM_EMOJI:
        return f" {AFFIRM} "
    if ch in _NEGATIVE_EMOJI:
        return f" {NEGATIVE} "
    if ch in _QUESTION_MARKS:
        return f" {QUESTION} {CLAUSE} "
    if ch in _CLAUSE_MARKS:
        return f" {CLAUSE} "
    if ch in _APOSTROPHES:
        return ""
    if _in(code, _DELETED_MARK_RANGES):
        return ""
    category = unicodedata.category(ch)
    if category == "Nd" and code > 0x7F:
        return str(unicodedata.decimal(ch))
    if category == "Cf":
        return " " if ch == "\u200b" else ""
    if category[0] in "PSZ" or category in ("Cc", "Co", "Cs", "Cn"):
        return None if ch == " " else " "
    if category[0] == "L" and _in(code, _STRIPPED_RANGES):
        stripped = _strip_accents(ch)
        return stripped if stripped != ch else None
    return None


def build_char_map() -> dict[int, str]:
    """Build the ``str.translate`` table (about 10k entries; ~50 ms, done once).

    Returns:
        A mapping of code points to their replacement strings; code points not in it are kept.
    """
    table: dict[int, str] = {}
    for code in range(0x10000):
        if 0xD800 <= code <= 0xDFFF:
            table[code] = " "
            continue
        replacement = _map_one(code)
        if replacement is not None:
            table[code] = replacement
    for lo, hi in _EXTRA_RANGES:
        for code in range(lo, hi + 1):
            replacement = _map_one(code)
            if replacement is not None:
                table[code] = replacement
    for ch in _AFFIRM_EMOJI + _NEGATIVE_EMOJI + _QUESTION_MARKS:
        table[ord(ch)] = _map_one(ord(ch)) or " "
    return table
