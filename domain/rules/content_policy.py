"""The Message Content Policy: no promotional, money or offensive wording in patient messages.

Spec: cross-cutting "Message Content Policy (TCPA 1991, HIPAA)". Three classes of terms:

* promotional -- ``%``, Discount, Free, Gift, Giveaway, Percent, Promotion, Sale: checked in
  broadcasts only (the policy lists them in the Broadcast section);
* money -- ``$`` and Dollar: checked in every message unless the organisation runs a
  consented, content-specific campaign (``policy.money_campaign_enabled``); this is the only
  class the Reminders section lists. Our choice: a transactional reply (staff answering a
  patient who just wrote, "your copay is $20") is exempt, as it answers the patient;
* offensive -- a short list of obvious profanity: checked in every message, no exception.

Matching ("similar words"): case-insensitive, accents and invisible characters removed; plural
and common inflected forms (sales, discounted, giveaways, promotional, promo, freebie);
look-alike characters (``fr3e``, ``d!scount``, ``$ale``, ``pr0motion``); letters spread out
by spaces, dots, dashes, underscores, asterisks or tildes (``f r e e``, ``s.a.l.e``,
``give away``); repeated letters (``freeee``).

Avoiding false positives (a decision, documented here and in the tests): a term matches only
as a whole word, so a listed word *inside* another word passes -- "Freeport", "freedom",
"carefree", "Salem", "wholesale", "percentage", "shiitake". Common phrases in which "free"
means "without" are not promotional and pass: "feel free", "toll-free", "smoke-free",
"pain-free", "latex-free" and similar (``_FREE_MEANING_WITHOUT``). Misspellings beyond these
patterns (``dicount``) and look-alike letters from other scripts are not caught.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from domain.rules.decision import DecisionCode, RuleDecision
from domain.rules.inputs import Candidate, DeliveryPolicy, MessageKind

__all__ = ["ContentClass", "ContentFinding", "check_content", "find_prohibited"]


class ContentClass(StrEnum):
    OFFENSIVE = "offensive"
    PROMOTIONAL = "promotional"
    MONEY = "money"


@dataclass(frozen=True, slots=True)
class ContentFinding:
    """One prohibited term found: the listed ``term`` as staff know it ("Free"), how it was
    written in the message (``written``, lower-cased: "fr3e"), and its class."""

    term: str
    written: str
    category: ContentClass


_LOOKALIKES = {
    "a": "a4@",
    "b": "b8",
    "c": "c(k",
    "e": "e3€",
    "g": "g9",
    "i": "i1!|l",
    "l": "l1|i",
    "o": "o0",
    "s": "s5$",
    "t": "t7+",
    "u": "uv",
}
_MASKABLE = "aeiou"
_SEPARATORS = r"[\s.\-_*~·•]*"
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def _letter(letter: str, *, masked: bool) -> str:
    return "[" + re.escape(_chars(letter, masked=masked)) + "]+"


def _chars(letter: str, *, masked: bool) -> str:
    """The characters that may stand for ``letter``."""
    chars = _LOOKALIKES.get(letter, letter)
    if masked and letter in _MASKABLE:
        chars += "*"
    return chars


def _spelled(word: str, *, masked: bool = False) -> str:
    """A pattern for ``word`` with look-alikes, repeats and separators between letters."""
    return _SEPARATORS.join(_letter(ch, masked=masked) for ch in word)


@dataclass(frozen=True, slots=True)
class _Term:
    """A listed term: its pattern, and the character sets any match must draw from.

    ``needs`` is a quick, exact pre-check: every letter of a form is matched by at least one
    character of its set (``[...]+``), so a text that lacks any character of a set that all
    forms share cannot match, and the regular expression (most of the scan's cost) is not
    run. It never skips a text the pattern would match.
    """

    name: str
    pattern: re.Pattern[str]
    needs: tuple[frozenset[str], ...]

    def search(self, text: str, present: frozenset[str]) -> re.Match[str] | None:
        for chars in self.needs:
            if chars.isdisjoint(present):
                return None
        return self.pattern.search(text)


def _term(name: str, forms: tuple[str, ...], *, masked: bool = False) -> _Term:
    ordered = sorted(forms, key=len, reverse=True)  # longest form first: "sales" before "sale"
    body = "|".join(_spelled(form, masked=masked) for form in ordered)
    per_form = [{frozenset(_chars(ch, masked=masked)) for ch in form} for form in forms]
    shared = set.intersection(*per_form)
    return _Term(
        name,
        re.compile(rf"(?<![a-z])(?:{body})(?![a-z])"),
        tuple(sorted(shared, key=lambda chars: (len(chars), sorted(chars)))),
    )


_PROMOTIONAL: tuple[_Term, ...] = (
    _term("Discount", ("discount", "discounts", "discounted", "discounting")),
    _term("Free", ("free", "freebie", "freebies")),
    _term("Gift", ("gift", "gifts")),
    _term("Giveaway", ("giveaway", "giveaways")),
    _term("Percent", ("percent", "percents")),
    _term("Promotion", ("promotion", "promotions", "promotional", "promo", "promos")),
    _term("Sale", ("sale", "sales")),
)
_MONEY: tuple[_Term, ...] = (_term("Dollar", ("dollar", "dollars")),)
_OFFENSIVE_FORMS = {
    "fuck": ("fuck", "fucks", "fucked", "fucker", "fuckers", "fucking", "fuckin"),
    "motherfucker": ("motherfucker", "motherfuckers", "motherfucking"),
    "shit": ("shit", "shits", "shitty", "bullshit"),
    "bitch": ("bitch", "bitches", "bitchy"),
    "cunt": ("cunt", "cunts"),
    "asshole": ("asshole", "assholes"),
    "bastard": ("bastard", "bastards"),
    "whore": ("whore", "whores"),
    "slut": ("slut", "sluts"),
    "dickhead": ("dickhead", "dickheads"),
    "twat": ("twat", "twats"),
    "wanker": ("wanker", "wankers"),
}
_OFFENSIVE: tuple[_Term, ...] = tuple(
    _term(word, forms, masked=True) for word, forms in _OFFENSIVE_FORMS.items()
)
_FREE_MEANING_WITHOUT = re.compile(
    r"(?<![a-z])(?:feel|toll|smoke|scent|fragrance|latex|hands|sugar|gluten|fat|alcohol|"
    r"nicotine|tobacco|drug|pain|symptom|cancer|allergen|nut)[\s-]*free(?![a-z])"
)
_PERCENT_SIGN = "%"
_DOLLAR_SIGN = "$"


def _normalise(text: str) -> str:
    if text.isascii():  # nothing to decompose, strip or fold beyond lower case
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text).translate(_INVISIBLE)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _scan(
    text: str, terms: tuple[_Term, ...], category: ContentClass, present: frozenset[str]
) -> list[ContentFinding]:
    found: list[ContentFinding] = []
    for term in terms:
        match = term.search(text, present)
        if match is not None:
            found.append(ContentFinding(term.name, match.group(0), category))
    return found


def find_prohibited(
    text: str, kind: MessageKind, *, money_allowed: bool = False
) -> tuple[ContentFinding, ...]:
    """Every prohibited term in ``text`` for a message of ``kind`` (one finding per term).

    Args:
        text: the rendered message text.
        kind: broadcasts are checked against the full list, other kinds against the money
            and offensive classes only, transactional replies against the offensive class.
        money_allowed: the organisation has a consented campaign; ``$`` and Dollar pass.

    Returns:
        The findings, offensive first, then promotional, then money; empty when the text
        passes. Template editors can call this to warn while staff type.
    """
    return _find(text, kind, money_allowed)


@lru_cache(maxsize=4096)
def _find(text: str, kind: MessageKind, money_allowed: bool) -> tuple[ContentFinding, ...]:
    # Cached: a broadcast or a reminder template sends the same text to many patients, and
    # the answer depends on these three arguments alone.
    plain = _normalise(text)
    present = frozenset(plain)
    findings = _scan(plain, _OFFENSIVE, ContentClass.OFFENSIVE, present)
    if kind is MessageKind.BROADCAST:
        if _PERCENT_SIGN in plain:
            findings.append(ContentFinding("%", _PERCENT_SIGN, ContentClass.PROMOTIONAL))
        without = _FREE_MEANING_WITHOUT.sub(" ", plain)
        findings += _scan(without, _PROMOTIONAL, ContentClass.PROMOTIONAL, frozenset(without))
    if not money_allowed and kind is not MessageKind.TRANSACTIONAL:
        if _DOLLAR_SIGN in plain:
            findings.append(ContentFinding("$", _DOLLAR_SIGN, ContentClass.MONEY))
        findings += _scan(plain, _MONEY, ContentClass.MONEY, present)
    return tuple(findings)


_CODES = {
    ContentClass.OFFENSIVE: DecisionCode.CONTENT_OFFENSIVE,
    ContentClass.PROMOTIONAL: DecisionCode.CONTENT_PROMOTIONAL,
    ContentClass.MONEY: DecisionCode.CONTENT_MONEY,
}


def _quote(finding: ContentFinding) -> str:
    if finding.written.strip().casefold() == finding.term.casefold():
        return f'"{finding.term}"'
    return f'"{finding.term}" (written "{finding.written.strip()}")'


def check_content(candidate: Candidate, policy: DeliveryPolicy, now: datetime) -> RuleDecision:
    """Block a message whose text breaks the Message Content Policy; the reason names the
    offending words, the code the most serious class found (offensive, promotional, money)."""
    findings = find_prohibited(
        candidate.body, candidate.kind, money_allowed=policy.money_campaign_enabled
    )
    if not findings:
        return RuleDecision.allow()
    parts: list[str] = []
    for category, label in (
        (ContentClass.OFFENSIVE, "offensive language"),
        (ContentClass.PROMOTIONAL, "promotional wording not allowed in broadcasts"),
        (ContentClass.MONEY, "money wording allowed only in a consented campaign"),
    ):
        words = [_quote(f) for f in findings if f.category is category]
        if words:
            parts.append(f"{label}: {', '.join(words)}")
    return RuleDecision.block(
        _CODES[findings[0].category],
        "the message breaks the content policy -- " + "; ".join(parts),
    )
