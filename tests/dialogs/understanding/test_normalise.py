# ruff: noqa: RUF001 -- replies in many scripts, typed as patients type them.
"""Normalisation: what people type becomes what the tables hold."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.understanding import Context, classify, normalise
from dialogs.understanding.normalise import AFFIRM_TOKEN, NEGATIVE_TOKEN, analyse


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("YES", "yes"), ("  Yes!!  ", "yes"), ("yesss", "yes"), ("Noooo!!!", "no"),
        ("Can't make it.", "cant make it"), ("I’ll be there", "ill be there"),
        ("¡Sí!", "si"), ("CONFIRMÉ", "confirme"), ("Không", "khong"), ("Đổi lịch", "doi lich"),
        ("Nie mogę", "nie moge"), ("Hayır", "hayir"), ("ΝΑΙ", "ναι"), ("Όχι", "οχι"),
        ("ＹＥＳ", "yes"), ("opt-out", "opt out"), ("#2", "2"), ("١٢", "12"), ("５", "5"),
        ("Привет", "привет"), ("Всё", "все"), ("йод", "йод"), ("好的，谢谢", "好的 谢谢"),
        ("예약 취소", "예약 취소"), ("हाँ", "हां"), ("إلغاء", "الغاء"), ("نَعَمْ", "نعم"),
        ("ที่นี่", "ที่นี่"), ("👍", AFFIRM_TOKEN), ("👍🏽", AFFIRM_TOKEN), ("✅", AFFIRM_TOKEN),
        ("👎", NEGATIVE_TOKEN), ("❌", NEGATIVE_TOKEN), ("ok :)", f"ok {AFFIRM_TOKEN}"),
        ("<3", ""), ("...", ""), ("", ""), ("1️⃣", "1"), ("zero\u200bwidth", "zero width"),
        ("see\nyou", "see you"),
    ],
)  # fmt: skip
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_clauses_and_questions_are_kept_apart_from_the_words() -> None:
    result = analyse("No, I'll be there? ok")
    assert result.words == ("no", "ill", "be", "there", "ok")
    assert result.clauses == (0, 1, 1, 1, 2)
    assert result.question


def test_tables_and_replies_normalise_alike() -> None:
    # The same phrase typed with or without accents, in any case, means the same.
    for a, b in (
        ("Sí, ahí estaré", "SI AHI ESTARE"),
        ("hủy lịch hẹn", "huy lich hen"),
        ("NÃO POSSO IR", "nao posso ir"),
        ("je suis arrivée", "Je suis arrivee"),
    ):
        assert classify(a) == classify(b)


@settings(max_examples=500, deadline=None)
@given(st.text())
def test_never_raises_and_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once
    assert once == once.strip()
    assert "  " not in once


@settings(max_examples=500, deadline=None)
@given(st.text(), st.sampled_from(list(Context)), st.integers(0, 12), st.booleans(),
       st.sampled_from([None, "en", "es", "zh", "xx"]))  # fmt: skip
def test_classify_never_raises(
    text: str, context: Context, options: int, strict: bool, hint: str | None
) -> None:
    result = classify(text, context=context, options=options, strict_yes_no=strict,
                      language_hint=hint)  # fmt: skip
    assert 0.0 <= result.confidence <= 1.0
    assert (result.option is None) == (result.intent.value != "option")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_surrogates_and_control_characters(text: str) -> None:
    classify("\x00" + text + "\ud800")
