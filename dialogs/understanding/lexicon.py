"""The compiled lexicon: every table entry normalised once and indexed for dict lookups.

Built on first use (a few tens of milliseconds) and shared by every classification; nothing
here does I/O.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import cache

from dialogs.understanding import carrier
from dialogs.understanding.intents import Intent
from dialogs.understanding.languages import TABLES
from dialogs.understanding.normalise import AFFIRM_TOKEN, NEGATIVE_TOKEN, normalise, squeeze
from dialogs.understanding.table import LanguageTable

__all__ = ["Kind", "Lexicon", "Marker", "Phrase", "Sense", "is_unspaced", "lexicon"]

Langs = frozenset[str]
_NO_LANGS: Langs = frozenset()


class Kind(IntEnum):
    """How much a matched entry needs an open prompt to mean something."""

    ANSWER = 1  # yes/no/ok/👍: only an answer to a prompt
    PHRASE = 2  # "cancel my appointment": meaningful without a prompt
    KEYWORD = 3  # HELP, START: whole reply only, any context


class Marker(IntEnum):
    """Words that change how the signals of a reply are read."""

    NEGATOR = 1
    NEGATOR_AFTER = 2
    CONTRAST = 3
    QUESTION = 4
    PARTICLE = 5


@dataclass(frozen=True, slots=True)
class Sense:
    """One meaning of a normalised entry (several languages may give the same text meanings)."""

    intent: Intent
    kind: Kind
    negative: bool
    languages: Langs


@dataclass(frozen=True, slots=True)
class Phrase:
    """A multi- or single-word entry matched word by word (``senses`` empty: a neutral phrase)."""

    words: tuple[str, ...]
    senses: tuple[Sense, ...]
    languages: Langs
    marker: Marker | None = None


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Every index the classifier looks things up in. See ``build_lexicon``."""

    whole: dict[str, tuple[Sense, ...]]
    whole_squeezed: dict[str, tuple[Sense, ...]]
    strict_yes: dict[str, Langs]
    strict_no: dict[str, Langs]
    phrases: dict[str, tuple[Phrase, ...]]
    unspaced: dict[str, Phrase]
    unspaced_lengths: dict[str, tuple[int, ...]]
    markers: dict[str, tuple[tuple[Marker, Langs], ...]]
    unspaced_markers: tuple[tuple[str, Marker, Langs], ...]
    vocabulary: frozenset[str]
    squeezed_vocabulary: dict[str, str]
    fuzzy_choices: dict[str, Intent]
    opt_out_whole: dict[str, Langs]
    opt_out_phrases: dict[str, Langs]
    opt_out_pattern: re.Pattern[str]


_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Burmese
    (0x1780, 0x17FF),  # Khmer
    (0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF),  # Hangul
    (0x3040, 0x30FF), (0x31F0, 0x31FF),  # Kana
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF),  # Han
)  # fmt: skip


def is_unspaced(word: str) -> bool:
    """Whether ``word`` contains a letter of a script matched by substrings (CJK, Thai, ...)."""
    for ch in word:
        code = ord(ch)
        if code >= 0x0E00 and any(lo <= code <= hi for lo, hi in _UNSPACED_RANGES):
            return True
    return False


_FIELDS: tuple[tuple[str, Intent, Kind, bool], ...] = (
    ("yes", Intent.CONFIRM, Kind.ANSWER, False),
    ("affirm", Intent.CONFIRM, Kind.ANSWER, False),
    ("no", Intent.CANCEL, Kind.ANSWER, True),
    ("deny", Intent.CANCEL, Kind.ANSWER, True),
    ("confirm", Intent.CONFIRM, Kind.PHRASE, False),
    ("decline", Intent.CANCEL, Kind.PHRASE, True),
    ("cancel", Intent.CANCEL, Kind.PHRASE, False),
    ("reschedule", Intent.RESCHEDULE, Kind.PHRASE, False),
    ("arrived", Intent.ARRIVED, Kind.PHRASE, False),
    ("leave_waitlist", Intent.LEAVE_WAITLIST, Kind.PHRASE, False),
    ("help", Intent.HELP, Kind.KEYWORD, False),
)
_MARKER_FIELDS = (
    ("negators", Marker.NEGATOR),
    ("negators_after", Marker.NEGATOR_AFTER),
    ("contrast", Marker.CONTRAST),
    ("questions", Marker.QUESTION),
    ("question_particles", Marker.PARTICLE),
)
_SenseKey = tuple[Intent, Kind, bool]


def _entries(values: Iterable[str]) -> Iterable[tuple[str, bool]]:
    """Yield ``(normalised, whole_only)`` for each raw table entry."""
    for raw in values:
        whole_only = raw.startswith("=")
        key = normalise(raw[1:] if whole_only else raw)
        if key:
            yield key, whole_only


def _senses(groups: dict[_SenseKey, set[str]]) -> tuple[Sense, ...]:
    return tuple(
        Sense(intent, kind, negative, frozenset(langs))
        for (intent, kind, negative), langs in sorted(groups.items())
    )


class _Builder:
    def __init__(self) -> None:
        self.whole: dict[str, dict[_SenseKey, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.scan: dict[str, dict[_SenseKey, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.neutral: dict[str, set[str]] = defaultdict(set)
        self.markers: dict[str, dict[Marker, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.strict_yes: dict[str, set[str]] = defaultdict(set)
        self.strict_no: dict[str, set[str]] = defaultdict(set)
        self.opt_out_whole: dict[str, set[str]] = defaultdict(set)
        self.opt_out: dict[str, set[str]] = defaultdict(set)

    def add_table(self, table: LanguageTable) -> None:
        code = table.code
        for field, intent, kind, negative in _FIELDS:
            for key, whole_only in _entries(getattr(table, field)):
                self.whole[key][(intent, kind, negative)].add(code)
                if not whole_only and kind is not Kind.KEYWORD:
                    self.scan[key][(intent, kind, negative)].add(code)
        for key, _ in _entries(table.yes):
            self.strict_yes[key].add(code)
        for key, _ in _entries(table.no):
            self.strict_no[key].add(code)
        for key, whole_only in _entries(table.opt_out):
            (self.opt_out_whole if whole_only else self.opt_out)[key].add(code)
        for key, _ in _entries(table.neutral):
            self.neutral[key].add(code)
        for field, marker in _MARKER_FIELDS:
            for key, _ in _entries(getattr(table, field)):
                self.markers[key][marker].add(code)

    def add_globals(self) -> None:
        self.whole[AFFIRM_TOKEN][(Intent.CONFIRM, Kind.ANSWER, False)] |= set()
        self.scan[AFFIRM_TOKEN][(Intent.CONFIRM, Kind.ANSWER, False)] |= set()
        self.whole[NEGATIVE_TOKEN][(Intent.CANCEL, Kind.ANSWER, True)] |= set()
        self.scan[NEGATIVE_TOKEN][(Intent.CANCEL, Kind.ANSWER, True)] |= set()
        for word in carrier.START_KEYWORDS:
            self.whole[normalise(word)][(Intent.START, Kind.KEYWORD, False)] |= set()
        for word in carrier.HELP_KEYWORDS:
            self.whole[normalise(word)][(Intent.HELP, Kind.KEYWORD, False)] |= set()
        for word in carrier.OPT_OUT_KEYWORDS:
            self.opt_out_whole[normalise(word)] |= set()


def _phrase_index(
    scan: dict[str, tuple[Sense, ...]],
    neutral: dict[str, Langs],
    markers: dict[str, tuple[tuple[Marker, Langs], ...]],
) -> tuple[dict[str, tuple[Phrase, ...]], dict[str, Phrase]]:
    by_first: dict[str, list[Phrase]] = defaultdict(list)
    unspaced: dict[str, Phrase] = {}
    for key, senses in scan.items():
        langs = frozenset().union(*(s.languages for s in senses))
        phrase = Phrase(tuple(key.split()), senses, langs)
        by_first[phrase.words[0]].append(phrase)
        if is_unspaced(key):
            unspaced[key.replace(" ", "")] = phrase
    for key, langs in neutral.items():
        if key in scan:
            continue
        phrase = Phrase(tuple(key.split()), (), langs)
        by_first[phrase.words[0]].append(phrase)
        if is_unspaced(key):
            unspaced.setdefault(key.replace(" ", ""), phrase)
    for key, found in markers.items():
        words = tuple(key.split())
        if len(words) > 1 and key not in scan and key not in neutral:
            for marker, langs in found:
                by_first[words[0]].append(Phrase(words, (), langs, marker))
    phrases = {
        first: tuple(sorted(group, key=lambda p: -len(p.words)))
        for first, group in by_first.items()
    }
    return phrases, unspaced


def _fuzzy_choices(scan: dict[str, tuple[Sense, ...]], plain: frozenset[str]) -> dict[str, Intent]:
    """ASCII words that belong to phrases of one intent only, long enough to survive a typo.

    A single-word entry belongs to its own intent ("cancel"); a word used only inside phrases
    belongs to theirs ("waitlist"). Words of several intents ("appointment") and neutral words
    are never reached by fuzzy matching.
    """
    own: dict[str, set[Intent]] = {}
    used_in: dict[str, set[Intent]] = defaultdict(set)
    for key, senses in scan.items():
        intents = {s.intent for s in senses}
        if " " not in key:
            own[key] = intents
        for word in key.split():
            used_in[word] |= intents
    choices: dict[str, Intent] = {}
    for word, intents in used_in.items():
        intents = own.get(word, intents)
        if not word.isascii() or not word.isalpha() or len(word) < 4 or word in plain:
            continue
        if len(intents) == 1:
            choices[word] = next(iter(intents))
    return choices


def _opt_out_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    spaced: list[str] = []
    unspaced: list[str] = []
    for phrase in sorted(phrases, key=len, reverse=True):
        (unspaced if is_unspaced(phrase) else spaced).append(re.escape(phrase))
    parts = []
    if spaced:
        parts.append(f"(?:^| )(?:{'|'.join(spaced)})(?= |$)")
    if unspaced:
        parts.append(f"(?:{'|'.join(unspaced)})")
    return re.compile("|".join(parts) if parts else r"(?!x)x")


def _freeze(groups: dict[str, set[str]]) -> dict[str, Langs]:
    return {key: frozenset(langs) for key, langs in groups.items()}


@cache
def lexicon() -> Lexicon:
    """The lexicon of all tables in ``languages`` (built once, then shared)."""
    builder = _Builder()
    for table in TABLES:
        builder.add_table(table)
    builder.add_globals()
    whole = {key: _senses(groups) for key, groups in builder.whole.items()}
    scan = {key: _senses(groups) for key, groups in builder.scan.items()}
    neutral = _freeze(builder.neutral)
    markers = {
        key: tuple((m, frozenset(langs)) for m, langs in sorted(found.items()))
        for key, found in builder.markers.items()
    }
    phrases, unspaced = _phrase_index(scan, neutral, markers)
    unspaced_markers = tuple(
        (key, marker, langs)
        for key, found in markers.items()
        if is_unspaced(key)
        for marker, langs in found
    )
    lengths: dict[str, set[int]] = defaultdict(set)
    for key in unspaced:
        lengths[key[0]].add(len(key))
    vocabulary = frozenset(word for key in (*scan, *neutral, *markers) for word in key.split())
    squeezed: dict[str, set[str]] = defaultdict(set)
    for word in vocabulary:
        squeezed[squeeze(word)].add(word)
    whole_squeezed: dict[str, dict[Sense, None]] = defaultdict(dict)
    for key, senses in whole.items():
        for sense in senses:
            whole_squeezed[squeeze(key)][sense] = None
    plain = frozenset(neutral) | frozenset(markers)
    return Lexicon(
        whole=whole,
        whole_squeezed={key: tuple(senses) for key, senses in whole_squeezed.items()},
        strict_yes=_freeze(builder.strict_yes),
        strict_no=_freeze(builder.strict_no),
        phrases=phrases,
        unspaced=unspaced,
        unspaced_lengths={c: tuple(sorted(ls, reverse=True)) for c, ls in lengths.items()},
        markers=markers,
        unspaced_markers=unspaced_markers,
        vocabulary=vocabulary,
        squeezed_vocabulary={k: next(iter(ws)) for k, ws in squeezed.items() if len(ws) == 1},
        fuzzy_choices=_fuzzy_choices(scan, plain),
        opt_out_whole=_freeze(builder.opt_out_whole),
        opt_out_phrases=_freeze(builder.opt_out),
        opt_out_pattern=_opt_out_pattern(builder.opt_out),
    )
