"""Find the signals in a reply that did not match a table entry as a whole.

Walks the words left to right and takes the longest table phrase starting at each word; words in
scripts written without spaces are matched by substrings, longest first. Words that are not in
the vocabulary are tried squeezed ("yess") and then, for ASCII words of four letters or more,
fuzzily against single intent words ("confrim"). What is left is counted as unexplained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from dialogs.understanding.intents import Intent
from dialogs.understanding.lexicon import (
    Kind,
    Lexicon,
    Marker,
    Phrase,
    Sense,
    is_unspaced,
    lexicon,
)
from dialogs.understanding.normalise import Normalised, squeeze

__all__ = ["Scan", "Signal", "scan"]

FUZZY_CUTOFF = 0.79
"""Minimum OSA similarity (1 - edits / length): one edit per five letters (0.79, not 0.8, so
that float rounding in the cutoff keeps exactly one edit in five)."""
_FUZZY_MIN_LENGTH = 4


@dataclass(frozen=True, slots=True)
class Signal:
    """A matched phrase that carries an intent."""

    senses: tuple[Sense, ...]
    start: int
    end: int
    clause: int
    fuzzy: bool = False
    unspaced: bool = False


@dataclass(slots=True)
class Scan:
    """What the walk over a reply found."""

    signals: list[Signal] = field(default_factory=list)
    markers: list[tuple[Marker, int, int, frozenset[str], bool]] = field(default_factory=list)
    neutral_languages: list[frozenset[str]] = field(default_factory=list)
    unexplained: int = 0
    first_is_question: bool = False


@lru_cache(maxsize=4096)
def _fuzzy(word: str) -> str | None:
    """The intent word that ``word`` is a clear typo of, or None (also when two intents fit)."""
    choices = lexicon().fuzzy_choices
    found = process.extract(
        word, choices.keys(), scorer=OSA.normalized_similarity, score_cutoff=FUZZY_CUTOFF, limit=8
    )
    candidates = [choice for choice, _, _ in found if choice[0] == word[0]]
    if not candidates or len({choices[c] for c in candidates}) > 1:
        return None
    return candidates[0]


def _canonical(word: str, lex: Lexicon) -> tuple[str, bool]:
    """The vocabulary word ``word`` stands for, and whether it took a fuzzy match to get it."""
    if word in lex.vocabulary:
        return word, False
    squeezed = squeeze(word)
    if squeezed != word:
        if squeezed in lex.vocabulary:
            return squeezed, False
        known = lex.squeezed_vocabulary.get(squeezed)
        if known is not None:
            return known, False
    if len(word) >= _FUZZY_MIN_LENGTH and word.isascii() and word.isalpha():
        typo_of = _fuzzy(word)
        if typo_of is not None:
            return typo_of, True
    return word, False


def _match_phrase(words: list[str], i: int, lex: Lexicon) -> Phrase | None:
    for phrase in lex.phrases.get(words[i], ()):
        n = len(phrase.words)
        if n == 1 or tuple(words[i : i + n]) == phrase.words:
            return phrase
    return None


def _record_markers(word: str, i: int, clause: int, lex: Lexicon, found: Scan) -> bool:
    markers = lex.markers.get(word)
    if markers is None:
        return False
    for marker, langs in markers:
        found.markers.append((marker, i, clause, langs, False))
    return True


def _scan_unspaced(word: str, i: int, clause: int, lex: Lexicon, found: Scan) -> None:
    """Match ``word`` by substrings; what is left over is checked for markers."""
    j, size = 0, len(word)
    rest: list[str] = []
    leftovers: list[str] = []
    while j < size:
        hit: Phrase | None = None
        hit_length = 0
        senses: tuple[Sense, ...] = ()
        for length in lex.unspaced_lengths.get(word[j], ()):
            if j + length > size:
                continue
            phrase = lex.unspaced.get(word[j : j + length])
            if phrase is None:
                continue
            senses = phrase.senses
            if length == 1 and size != 1:
                continue  # one character means something only as a whole word
            if senses and j != 0:
                senses = tuple(s for s in senses if s.kind is not Kind.ANSWER)
                if not senses and phrase.senses:
                    continue  # "yes"/"no" words only count at the start of a word
            hit, hit_length = phrase, length
            break
        if hit is None:
            rest.append(word[j])
            j += 1
            continue
        if rest:
            leftovers.append("".join(rest))
            rest = []
        if senses:
            found.signals.append(Signal(senses, i, i + 1, clause, unspaced=True))
            if all(s.negative and s.kind is Kind.ANSWER for s in senses):
                # "不要取消": a no-word before an action inside one word negates it
                found.markers.append((Marker.NEGATOR, i, clause, hit.languages, True))
        else:
            found.neutral_languages.append(hit.languages)
        j += hit_length
    if rest:
        leftovers.append("".join(rest))
    for piece in leftovers:
        explained = False
        for text, marker, langs in lex.unspaced_markers:
            if text in piece:
                found.markers.append((marker, i, clause, langs, True))
                explained = True
        if not explained:
            found.unexplained += 1 if len(piece) <= 6 else 2


def scan(normalised: Normalised, lex: Lexicon) -> Scan:
    """Walk the words of ``normalised`` and collect signals, markers and unexplained words.

    Args:
        normalised: the analysed reply.
        lex: the lexicon to match against.

    Returns:
        The signals (with the word span and clause of each), the markers with their positions,
        the languages of neutral words, and how many words nothing explained.
    """
    found = Scan()
    words: list[str] = []
    fuzzy: list[bool] = []
    for word in normalised.words:
        canonical, was_fuzzy = _canonical(word, lex)
        words.append(canonical)
        fuzzy.append(was_fuzzy)
    clauses = normalised.clauses
    i = 0
    while i < len(words):
        word, clause = words[i], clauses[i]
        phrase = _match_phrase(words, i, lex)
        if phrase is None and is_unspaced(word):
            _scan_unspaced(word, i, clause, lex, found)
            i += 1
            continue
        span = len(phrase.words) if phrase is not None else 1
        is_marker = span == 1 and _record_markers(word, i, clause, lex, found)
        if phrase is None:
            if not is_marker and not word.isdigit():
                found.unexplained += 1
        elif phrase.senses:
            used_fuzzy = any(fuzzy[i : i + span])
            found.signals.append(Signal(phrase.senses, i, i + span, clause, fuzzy=used_fuzzy))
        elif phrase.marker is not None:
            found.markers.append((phrase.marker, i, clause, phrase.languages, False))
        else:
            found.neutral_languages.append(phrase.languages)
        if i == 0 and any(m[0] is Marker.QUESTION for m in found.markers if m[1] == 0):
            found.first_is_question = True
        i += span
    return found


def intents_of(signal: Signal) -> frozenset[Intent]:
    """The intents a signal may mean (several when languages disagree on the same word)."""
    return frozenset(s.intent for s in signal.senses)
