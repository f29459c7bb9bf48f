"""Reading visitors' answers: names, dates of birth, contacts, codes and choices."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.bot.answers import choose, read_answer

TODAY = date(2026, 11, 22)
LABELS = ("Ask a nurse", "Book an appointment", "Request a prescription refill",
          "Talk to our team")


@pytest.mark.parametrize(("text", "picked"), [
    ("2", 1), ("2.", 1), ("option 3", 2), ("#4", 3), ("book an appointment", 1),
    ("Book", 1), ("nurse", 0), ("prescription", 2), ("Book an apointment", 1),
    ("5", None), ("0", None), ("hello", None), ("a", None),
])
def test_choices_by_number_words_or_close_spelling(text: str, picked: int | None) -> None:
    assert choose(text, LABELS) == picked


def test_an_answer_that_could_mean_two_options_picks_none() -> None:
    assert choose("yes", ("Yes, start again", "Yes, talk to staff")) is None
    assert choose("Yes", ("Yes", "No")) == 0


@given(st.text(max_size=40), st.lists(st.text(min_size=1, max_size=20), min_size=1, max_size=9))
def test_a_choice_is_always_one_of_the_options(text: str, labels: list[str]) -> None:
    picked = choose(text, labels)
    assert picked is None or 0 <= picked < len(labels)


def test_a_full_name_also_saves_first_and_last_name() -> None:
    answer = read_answer("full_name", "  jordan   avery ", save="", today=TODAY)
    assert answer is not None
    assert answer.values == {"full_name": "jordan avery", "first_name": "jordan",
                             "last_name": "avery"}
    assert read_answer("full_name", "Jordan", save="", today=TODAY) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("03/14/1985", "1985-03-14"), ("1985-03-14", "1985-03-14"), ("March 14, 1985", "1985-03-14"),
    ("14/03/1985", "1985-03-14"), ("12/01/2030", None), ("yesterday", None),
])
def test_dates_of_birth(text: str, expected: str | None) -> None:
    answer = read_answer("date_of_birth", text, save="", today=TODAY)
    assert (answer.values["date_of_birth"] if answer else None) == expected


def test_contacts_are_normalised_and_junk_refused() -> None:
    phone = read_answer("contact", "(212) 555-0123", save="contact", today=TODAY)
    email = read_answer("contact", "Sam@Example.COM", save="contact", today=TODAY)
    assert phone is not None and phone.values == {"contact": "+12125550123"}
    assert email is not None and email.values == {"contact": "Sam@example.com"}
    assert read_answer("contact", "call me maybe", save="contact", today=TODAY) is None
    assert read_answer("phone", "12", save="phone", today=TODAY) is None


def test_codes_are_digits_only() -> None:
    answer = read_answer("code", "123 456", save="", today=TODAY)
    assert answer is not None and answer.values == {"code": "123456"}
    assert read_answer("code", "12ab56", save="", today=TODAY) is None


def test_optional_text_may_be_skipped_and_text_is_kept_as_typed() -> None:
    skipped = read_answer("optional_text", "Skip", save="comment", today=TODAY)
    assert skipped is not None and skipped.values == {"comment": ""}
    kept = read_answer("text", " <b>hi</b>\nthere ", save="q", today=TODAY)
    assert kept is not None and kept.values == {"q": "<b>hi</b>\nthere"}
    assert read_answer("text", "   ", save="q", today=TODAY) is None
    assert read_answer("text", "x" * 1001, save="q", today=TODAY) is None


def test_a_choice_saves_the_options_value() -> None:
    answer = read_answer("choice", "5", save="rating", labels=("Poor", "a", "b", "c", "Great"),
                         values=("1", "2", "3", "4", "5"), today=TODAY)
    assert answer is not None and answer.values == {"rating": "5"} and answer.option == 4
