"""The content policy's shortcuts (ASCII normalisation, the character pre-check before each
term's pattern, the cache) never change a finding: compared with the patterns run in full."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.rules import content_policy as cp
from domain.rules.inputs import MessageKind

_PIECES = [
    *(form for forms in cp._OFFENSIVE_FORMS.values() for form in forms),
    "discount", "free", "freebie", "gift", "giveaway", "percent", "promo", "sale", "sales",
    "dollar", "feel free", "toll-free", "freedom", "Salem", "wholesale",
    "f r e e", "s.a.l.e", "fr3e", "d!scount", "$ale", "pr0motion", "sh!t", "f*ck", "b1tch",
    "$", "%", " ", ".", "-", "*", "~", "Free", "FREE", "Fréé", "\u200bfree", "é", "ß",
]


def _reference(text: str, kind: MessageKind, money_allowed: bool) -> tuple[cp.ContentFinding, ...]:
    """find_prohibited's rules, every pattern run, no shortcut."""
    decomposed = unicodedata.normalize("NFKD", text).translate(cp._INVISIBLE)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()

    def scan(body: str, terms: tuple[cp._Term, ...], category: cp.ContentClass
             ) -> list[cp.ContentFinding]:
        return [
            cp.ContentFinding(term.name, match.group(0), category)
            for term in terms
            if (match := term.pattern.search(body)) is not None
        ]

    findings = scan(plain, cp._OFFENSIVE, cp.ContentClass.OFFENSIVE)
    if kind is MessageKind.BROADCAST:
        if "%" in plain:
            findings.append(cp.ContentFinding("%", "%", cp.ContentClass.PROMOTIONAL))
        findings += scan(cp._FREE_MEANING_WITHOUT.sub(" ", plain), cp._PROMOTIONAL,
                         cp.ContentClass.PROMOTIONAL)
    if not money_allowed and kind is not MessageKind.TRANSACTIONAL:
        if "$" in plain:
            findings.append(cp.ContentFinding("$", "$", cp.ContentClass.MONEY))
        findings += scan(plain, cp._MONEY, cp.ContentClass.MONEY)
    return tuple(findings)


texts = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=8).map("".join),
    st.lists(st.sampled_from(_PIECES), max_size=8).map(" ".join),
    st.text(alphabet="abcdefghiklmnorstuvw013457!|$*@( .-", max_size=40),
)


@settings(max_examples=400)
@given(texts, st.sampled_from(list(MessageKind)), st.booleans())
def test_findings_equal_the_full_scan(text: str, kind: MessageKind, money: bool) -> None:
    assert cp.find_prohibited(text, kind, money_allowed=money) == _reference(text, kind, money)


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_is_normalised_as_before(text: str) -> None:
    decomposed = unicodedata.normalize("NFKD", text)
    assert cp._normalise(text) == "".join(
        ch for ch in decomposed if not unicodedata.combining(ch)
    ).casefold()
