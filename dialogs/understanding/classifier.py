"""Classify a patient's reply: what it asks for, in which language, how sure we are.

Order of decisions (first that applies wins):
1. Carrier opt-out keywords (STOP, UNSUBSCRIBE, bare CANCEL, ...) and clear revocations ("stop
   texting me", "no me envíen más mensajes") -> ``stop``, confidence 1.0, in every context.
2. START/UNSTOP and HELP/INFO (and translated help words) as the whole reply.
3. Identity prompts (name, date of birth): everything else is ``unknown``.
4. A number: an option from a list (``options`` > 0), a feedback score, or the reminder
   shortcuts 1/2/3.
5. Strict yes/no (REM-57): only the plain yes/no words of a language, and the RESCHEDULE and
   LEAVEWAITLIST keywords; everything else is ``unknown``.
6. Reminder letter codes C/Y, X/N, R; the whole reply as a table entry.
7. The signals found word by word; mixed signals, questions and "yes, but ..." are ``unknown``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from dialogs.understanding import carrier
from dialogs.understanding._scan import Scan, Signal, scan
from dialogs.understanding.intents import Classification, Context, Intent
from dialogs.understanding.lexicon import Kind, Lexicon, Marker, Sense, lexicon
from dialogs.understanding.normalise import (
    AFFIRM_TOKEN,
    NEGATIVE_TOKEN,
    Normalised,
    analyse,
    squeeze,
)
from dialogs.understanding.numbers import parse_number

__all__ = ["classify"]

UNKNOWN = Classification(Intent.UNKNOWN)

_ANSWER_CONTEXTS = frozenset({Context.REMINDER, Context.WAITLIST_OFFER, Context.RESCHEDULE_OPTIONS})
_REMINDER_NUMBERS = {1: Intent.CONFIRM, 2: Intent.CANCEL, 3: Intent.RESCHEDULE}
_REMINDER_CODES = {
    "c": Intent.CONFIRM, "y": Intent.CONFIRM, "x": Intent.CANCEL, "n": Intent.CANCEL,
    "r": Intent.RESCHEDULE,
}  # fmt: skip
_ANSWER_CODES = {"y": Intent.CONFIRM, "n": Intent.CANCEL}
_STRICT_KEYWORDS = {
    "reschedule": Intent.RESCHEDULE,
    "leavewaitlist": Intent.LEAVE_WAITLIST,
    "leave waitlist": Intent.LEAVE_WAITLIST,
}
_EMOJI_TOKENS = frozenset({AFFIRM_TOKEN, NEGATIVE_TOKEN})
_STOPPISH = frozenset(w for k in carrier.STOP_EXTENDABLE for w in k.split())
_NEGATION_GUARD = frozenset({"dont", "not", "never", "no"})
_MAX_WORDS = 40
_MAX_UNEXPLAINED = 4
_CACHED_LENGTH = 256
_FEEDBACK_SCALE = 10
_WIDELY_SHARED = 4  # a word in this many tables belongs to no language in particular
# Two intents that read as one: "can't come, can we reschedule" is a reschedule.
_COMBINED = {
    frozenset({Intent.CANCEL, Intent.RESCHEDULE}): Intent.RESCHEDULE,
    frozenset({Intent.CONFIRM, Intent.ARRIVED}): Intent.ARRIVED,
    frozenset({Intent.CANCEL, Intent.LEAVE_WAITLIST}): Intent.LEAVE_WAITLIST,
}
# "yes, reschedule please": a bare yes beside an explicit request is the request.
_AFTER_YES = frozenset({Intent.RESCHEDULE, Intent.ARRIVED, Intent.LEAVE_WAITLIST})
# With a question mark, a lone word of these intents asks rather than tells ("cancelled?").
_ASKED_NOT_TOLD = frozenset({Intent.CONFIRM, Intent.CANCEL})
# Whole-reply results without a hint, by the entry's senses: bounded by the size of the tables.
_WHOLE_MEMO: dict[tuple[int, bool, float], Classification] = {}


def classify(
    text: str,
    *,
    context: Context = Context.REMINDER,
    options: int = 0,
    strict_yes_no: bool = False,
    language_hint: str | None = None,
) -> Classification:
    """Classify one reply. Deterministic, no I/O; never raises on any text.

    Args:
        text: the reply as received (any script, typos, emoji).
        context: the open prompt the reply answers.
        options: how many numbered choices the prompt offered (0: none); a number from 1 to
            ``options`` is then ``Intent.OPTION`` with ``option`` set.
        strict_yes_no: REM-57: only the plain words for yes and no confirm or cancel.
        language_hint: the patient's language (ISO code) if known: it decides between languages
            that read the same words differently, and is reported when nothing says otherwise.

    Returns:
        The classification; ``Intent.UNKNOWN`` (confidence 0.0) whenever the reply is not
        clearly one intent, so that staff read it.

    Raises:
        ValueError: if ``options`` is negative.
    """
    if options < 0:
        raise ValueError(f"options must be >= 0, got {options}")
    if len(text) > _CACHED_LENGTH:
        return _classify(text, Context(context), options, strict_yes_no, language_hint)
    return _cached(text, Context(context), options, strict_yes_no, language_hint)


@lru_cache(maxsize=65536)
def _cached(
    text: str, context: Context, options: int, strict: bool, hint: str | None
) -> Classification:
    return _classify(text, context, options, strict, hint)


def _classify(
    text: str, context: Context, options: int, strict: bool, hint: str | None
) -> Classification:
    n = analyse(text)
    if not n.key:
        return UNKNOWN
    if len(n.key) > _CACHED_LENGTH:
        return _understand(n, "/" in text, context, options, strict, hint)
    return _understand_cached(n, "/" in text, context, options, strict, hint)


@lru_cache(maxsize=65536)
def _understand_cached(
    n: Normalised, slash: bool, context: Context, options: int, strict: bool, hint: str | None
) -> Classification:
    # "Yes!", "YES" and "yes." normalise alike: their analysis is shared.
    return _understand(n, slash, context, options, strict, hint)


def _understand(
    n: Normalised, slash: bool, context: Context, options: int, strict: bool, hint: str | None
) -> Classification:
    lex = lexicon()
    stop = _opt_out(n, lex, hint)
    if stop is not None:
        return stop
    keyword = _keyword(n, lex, hint)
    if keyword is not None:
        return keyword
    if context is Context.IDENTITY:
        return UNKNOWN
    choosing = options > 0 or context is Context.FEEDBACK
    number = parse_number(n, "/" if slash else "", choosing=choosing)
    if number is not None:
        return _number(number, context, options, strict, hint)
    if strict:
        return _strict(n, lex, hint)
    if context in _ANSWER_CONTEXTS and not n.question:
        codes = _REMINDER_CODES if context is Context.REMINDER else _ANSWER_CODES
        if n.key in codes:
            return Classification(codes[n.key], _pick(frozenset(), hint), 0.95)
    whole, confidence = (None, 0.0) if n.question else _whole(n, lex)
    if whole is not None:
        if hint is not None:
            return _from_senses(whole, context, hint, confidence)
        # lexicon tuples live as long as the process: their ids are stable keys
        memo_key = (id(whole), context in _ANSWER_CONTEXTS, confidence)
        result = _WHOLE_MEMO.get(memo_key)
        if result is None:
            result = _WHOLE_MEMO[memo_key] = _from_senses(whole, context, None, confidence)
        return result
    if len(n.words) > _MAX_WORDS:
        return UNKNOWN
    return _decide(scan(n, lex), n, context, hint)


def _pick(languages: Iterable[str], hint: str | None) -> str | None:
    """The language of a match: its only table, else the hint if it fits.

    The hint fits a match of no table (emoji, codes, numbers), of a table in its language, or
    of a word that many tables share ("ok"); a word of a few other languages only ("sí" with an
    English hint) gets None.
    """
    langs = frozenset(languages)
    if hint is not None and (not langs or hint in langs or len(langs) >= _WIDELY_SHARED):
        return hint
    return next(iter(langs)) if len(langs) == 1 else None


def _opt_out(n: Normalised, lex: Lexicon, hint: str | None) -> Classification | None:
    keys = (n.key,) if n.emphatic_key is None else (n.key, n.emphatic_key)
    stoppish = not _STOPPISH.isdisjoint(n.words)
    for key in keys:
        if AFFIRM_TOKEN in key or NEGATIVE_TOKEN in key:  # "STOP 🙂" still opts out
            key = " ".join(w for w in key.split() if w not in _EMOJI_TOKENS)
        langs = lex.opt_out_whole.get(key)
        if langs is not None:
            return Classification(Intent.STOP, _pick(langs, hint), 1.0)
        if stoppish:
            core = " ".join(w for w in key.split() if w not in carrier.POLITE_WORDS)
            if core in carrier.STOP_EXTENDABLE:
                return Classification(Intent.STOP, _pick((), hint), 1.0)
    for match in lex.opt_out_pattern.finditer(n.key):
        before = n.key[: match.start()].split()
        if before and before[-1] in _NEGATION_GUARD:
            continue  # "don't stop texting me"
        phrase = match.group(0).strip()
        return Classification(Intent.STOP, _pick(lex.opt_out_phrases.get(phrase, ()), hint), 1.0)
    return None


def _keyword(n: Normalised, lex: Lexicon, hint: str | None) -> Classification | None:
    for key in (n.key, n.emphatic_key):
        if key is None:
            continue
        for sense in lex.whole.get(key, ()):
            if sense.kind is Kind.KEYWORD:
                return Classification(sense.intent, _pick(sense.languages, hint), 1.0)
    return None


def _number(
    number: int, context: Context, options: int, strict: bool, hint: str | None
) -> Classification:
    if options > 0:
        if 1 <= number <= options:
            return Classification(Intent.OPTION, _pick((), hint), 1.0, number)
        return UNKNOWN
    if context is Context.FEEDBACK:
        if 0 <= number <= _FEEDBACK_SCALE:
            return Classification(Intent.OPTION, _pick((), hint), 1.0, number)
        return UNKNOWN
    if context is Context.REMINDER and not strict and number in _REMINDER_NUMBERS:
        return Classification(_REMINDER_NUMBERS[number], _pick((), hint), 0.95)
    return UNKNOWN


def _strict(n: Normalised, lex: Lexicon, hint: str | None) -> Classification:
    if n.key in lex.strict_yes:
        return Classification(Intent.CONFIRM, _pick(lex.strict_yes[n.key], hint), 1.0)
    if n.key in lex.strict_no:
        return Classification(Intent.CANCEL, _pick(lex.strict_no[n.key], hint), 1.0)
    if n.key in _STRICT_KEYWORDS:
        return Classification(_STRICT_KEYWORDS[n.key], _pick(("en",), hint), 1.0)
    return UNKNOWN


def _whole(n: Normalised, lex: Lexicon) -> tuple[tuple[Sense, ...] | None, float]:
    """The table senses of the whole reply, and the confidence they carry."""
    found = lex.whole.get(n.key)
    if found is None and n.emphatic_key is not None:
        found = lex.whole.get(n.emphatic_key)
    if found is not None:
        return found, 0.95
    squeezed = squeeze(n.key)
    if squeezed != n.key and not _is_code(squeezed):
        return lex.whole_squeezed.get(squeezed), 0.9  # "cancell my apointment"
    return None, 0.0


def _is_code(key: str) -> bool:
    return len(key) == 1 and key in _REMINDER_CODES


def _allowed(sense: Sense, context: Context) -> bool:
    return sense.kind is not Kind.ANSWER or context in _ANSWER_CONTEXTS


def _from_senses(
    senses: tuple[Sense, ...], context: Context, hint: str | None, confidence: float
) -> Classification:
    usable = [s for s in senses if _allowed(s, context)]
    if len({s.intent for s in usable}) > 1 and hint is not None:
        usable = [s for s in usable if hint in s.languages]
    intents = {s.intent for s in usable}
    if len(intents) != 1:
        return UNKNOWN
    langs = frozenset().union(*(s.languages for s in usable))
    return Classification(intents.pop(), _pick(langs, hint), confidence)


def _applies(marker_langs: frozenset[str], signal_langs: frozenset[str]) -> bool:
    return not signal_langs or not marker_langs.isdisjoint(signal_langs)


def _negated(signal: Signal, found: Scan, langs: frozenset[str]) -> bool:
    if all(s.negative for s in signal.senses):
        return False
    for marker, pos, clause, marker_langs, unspaced in found.markers:
        if clause != signal.clause or not _applies(marker_langs, langs):
            continue
        if unspaced and marker in (Marker.NEGATOR, Marker.NEGATOR_AFTER):
            if abs(pos - signal.start) <= 2:
                return True
        elif marker is Marker.NEGATOR and signal.start - 2 <= pos < signal.start:
            return True
        elif marker is Marker.NEGATOR_AFTER and signal.end <= pos < signal.end + 2:
            return True
    return False


def _signal_senses(signal: Signal, context: Context, hint: str | None) -> tuple[Sense, ...]:
    usable = tuple(s for s in signal.senses if _allowed(s, context))
    if len({s.intent for s in usable}) > 1 and hint is not None:
        usable = tuple(s for s in usable if hint in s.languages)
    return usable


def _decide(found: Scan, n: Normalised, context: Context, hint: str | None) -> Classification:
    votes: defaultdict[str, float] = defaultdict(float)
    chosen: list[tuple[Intent, Kind]] = []
    signal_langs: frozenset[str] = frozenset()
    for signal in found.signals:
        senses = _signal_senses(signal, context, hint)
        if not senses:
            continue
        if len({s.intent for s in senses}) > 1:
            return UNKNOWN  # languages disagree on this word and no hint settles it
        langs = frozenset().union(*(s.languages for s in senses))
        if _negated(signal, found, langs):
            return UNKNOWN
        chosen.append((senses[0].intent, max(s.kind for s in senses)))
        signal_langs |= langs
        for lang in langs:
            votes[lang] += 1.0
    if not chosen:
        return UNKNOWN
    intent = _combine(chosen)
    if intent is None:
        return UNKNOWN
    answer_only = all(kind is Kind.ANSWER for _, kind in chosen)
    reply_langs = signal_langs.union(*found.neutral_languages)
    seen = {m for m, _, _, langs, _ in found.markers if _applies(langs, reply_langs)}
    question = n.question or found.first_is_question
    if Marker.QUESTION in seen and question:
        return UNKNOWN
    weak_question = question or Marker.PARTICLE in seen
    if answer_only and (weak_question or Marker.CONTRAST in seen):
        return UNKNOWN
    if len(chosen) > 1 and Marker.CONTRAST in seen and len({i for i, _ in chosen}) > 1:
        return UNKNOWN
    if weak_question and intent in _ASKED_NOT_TOLD and not _has_phrase(found.signals):
        return UNKNOWN  # "cancelled?" asks; "can I cancel my appointment?" requests
    if found.unexplained > _MAX_UNEXPLAINED:
        return UNKNOWN
    for langs in found.neutral_languages:
        for lang in langs:
            votes[lang] += 0.5
    confidence = 0.9 - 0.05 * found.unexplained - (0.1 if weak_question else 0.0)
    if any(s.fuzzy for s in found.signals):
        confidence *= 0.85
    return Classification(intent, _vote(votes, hint), round(max(confidence, 0.5), 2))


def _has_phrase(signals: list[Signal]) -> bool:
    return any(s.unspaced or s.end - s.start > 1 for s in signals)


def _combine(chosen: list[tuple[Intent, Kind]]) -> Intent | None:
    intents = {intent for intent, _ in chosen}
    if len(intents) == 1:
        return intents.pop()
    combined = _COMBINED.get(frozenset(intents))
    if combined is not None:
        return combined
    explicit = {intent for intent, kind in chosen if kind is not Kind.ANSWER}
    yes_only = all(k is Kind.ANSWER for i, k in chosen if i is Intent.CONFIRM)
    if yes_only and len(explicit) == 1 and explicit <= _AFTER_YES and len(intents) == 2:
        return explicit.pop()
    return None


def _vote(votes: dict[str, float], hint: str | None) -> str | None:
    if not votes:
        return hint
    best = max(votes.values())
    tied = sorted(lang for lang, count in votes.items() if count == best)
    if len(tied) == 1:
        return tied[0]
    return _pick(tied, hint)
