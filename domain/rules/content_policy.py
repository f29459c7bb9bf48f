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
    chars = _LOOKALIKES.get(letter, letter)
    if masked and letter in _MASKABLE:
        chars += "*"
    return "[" + re.escape(chars) + "]+"


def _spelled(word: str, *, masked: bool = False) -> str:
    """A pattern for ``word`` with look-alikes, repeats and separators between letters."""
    return _SEPARATORS.join(_letter(ch, masked=masked) for ch in word)


def _term(forms: tuple[str, ...], *, masked: bool = False) -> re.Pattern[str]:
    ordered = sorted(forms, key=len, reverse=True)  # longest form first: "sales" before "sale"
    body = "|".join(_spelled(form, masked=masked) for form in ordered)
    return re.compile(rf"(?<![a-z])(?:{body})(?![a-z])")


_PROMOTIONAL: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("Discount", _term(("discount", "discounts", "discounted", "discounting"))),
    ("Free", _term(("free", "freebie", "freebies"))),
    ("Gift", _term(("gift", "gifts"))),
    ("Giveaway", _term(("giveaway", "giveaways"))),
    ("Percent", _term(("percent", "percents"))),
    ("Promotion", _term(("promotion", "promotions", "promotional", "promo", "promos"))),
    ("Sale", _term(("sale", "sales"))),
)
_MONEY: tuple[tuple[str, re.Pattern[str]], ...] = (("Dollar", _term(("dollar", "dollars"))),)
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
_OFFENSIVE: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (word, _term(forms, masked=True)) for word, forms in _OFFENSIVE_FORMS.items()
)
_FREE_MEANING_WITHOUT = re.compile(
    r"(?<![a-z])(?:feel|toll|smoke|scent|fragrance|latex|hands|sugar|gluten|fat|alcohol|"
    r"nicotine|tobacco|drug|pain|symptom|cancer|allergen|nut)[\s-]*free(?![a-z])"
)
_PERCENT_SIGN = "%"
_DOLLAR_SIGN = "$"


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text).translate(_INVISIBLE)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _scan(
    text: str, terms: tuple[tuple[str, re.Pattern[str]], ...], category: ContentClass
) -> list[ContentFinding]:
    found: list[ContentFinding] = []
    for term, pattern in terms:
        match = pattern.search(text)
        if match is not None:
            found.append(ContentFinding(term, match.group(0), category))
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
    plain = _normalise(text)
    findings = _scan(plain, _OFFENSIVE, ContentClass.OFFENSIVE)
    if kind is MessageKind.BROADCAST:
        if _PERCENT_SIGN in plain:
            findings.append(ContentFinding("%", _PERCENT_SIGN, ContentClass.PROMOTIONAL))
        without = _FREE_MEANING_WITHOUT.sub(" ", plain)
        findings += _scan(without, _PROMOTIONAL, ContentClass.PROMOTIONAL)
    if not money_allowed and kind is not MessageKind.TRANSACTIONAL:
        if _DOLLAR_SIGN in plain:
            findings.append(ContentFinding("$", _DOLLAR_SIGN, ContentClass.MONEY))
        findings += _scan(plain, _MONEY, ContentClass.MONEY)
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
