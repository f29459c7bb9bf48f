"""Patient identity matching from a name and a date of birth (PIT-04)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.identity import (
    IdentityClaim,
    match_patient,
    normalise_name,
    parse_date_of_birth,
    parse_full_name,
)
from domain.model import Patient

TODAY = date(2026, 5, 1)


def patient(pid: str, first: str, last: str, born: date | None, *,
            placeholder: bool = False) -> Patient:
    return Patient(id=pid, org_id="o", first_name=first, last_name=last, date_of_birth=born,
                   placeholder=placeholder)


ON_FILE = [
    patient("p1", "Lucía", "Castellanos", date(1985, 4, 27)),
    patient("p2", "Jordan", "Alder", date(1985, 4, 27)),
    patient("p3", "Jordan", "Alder", date(1990, 1, 2)),
]


def claim(first: str, last: str, born: date) -> IdentityClaim:
    return IdentityClaim(first_name=first, last_name=last, date_of_birth=born)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("04/27/1985", date(1985, 4, 27)),
        ("4-27-85", date(1985, 4, 27)),
        ("1985-04-27", date(1985, 4, 27)),
        ("April 27, 1985", date(1985, 4, 27)),
        ("27 april 1985", date(1985, 4, 27)),
        ("27 de abril de 1985", date(1985, 4, 27)),
        ("27/04/1985", date(1985, 4, 27)),  # 27 cannot be a month
        ("04271985", date(1985, 4, 27)),
        ("  apr 27th 1985 ", date(1985, 4, 27)),
    ],
)
def test_dates_of_birth_are_read_in_the_ways_people_type_them(text: str, expected: date) -> None:
    assert parse_date_of_birth(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "02/30/1985", "13/13/1985", "05/02/2026",
                                  "1/1/1850", "my birthday", "12345"])
def test_impossible_or_unreadable_dates_are_refused(text: str) -> None:
    assert parse_date_of_birth(text, today=TODAY) is None


def test_day_first_reads_ambiguous_dates_the_other_way() -> None:
    assert parse_date_of_birth("03/04/1985", today=TODAY) == date(1985, 3, 4)
    assert parse_date_of_birth("03/04/1985", today=TODAY, day_first=True) == date(1985, 4, 3)


def test_two_digit_years_fall_in_the_last_hundred_years() -> None:
    assert parse_date_of_birth("1/2/25", today=TODAY) == date(2025, 1, 2)
    assert parse_date_of_birth("1/2/27", today=TODAY) == date(1927, 1, 2)


@given(st.text(max_size=40))
def test_date_parsing_never_raises_nor_returns_the_future(text: str) -> None:
    found = parse_date_of_birth(text, today=TODAY)
    assert found is None or found <= TODAY


def test_names_are_read_first_last_or_last_comma_first() -> None:
    assert parse_full_name("  Lucía   Castellanos ") == ("Lucía", "Castellanos")
    assert parse_full_name("Castellanos, Lucía") == ("Lucía", "Castellanos")
    assert parse_full_name("Mary Jo Smith") == ("Mary Jo", "Smith")
    assert parse_full_name("My name is Ana Ruiz") == ("Ana", "Ruiz")
    assert parse_full_name("Lucía") is None
    assert parse_full_name("call me at 555 0100") is None
    assert parse_full_name("why do you need this") is None


def test_normalised_names_ignore_case_accents_and_punctuation() -> None:
    assert normalise_name("  O'Brien-Núñez ") == "o brien nunez"


def test_an_exact_claim_matches_its_patient() -> None:
    found = match_patient(claim("LUCIA", "castellanos", date(1985, 4, 27)), ON_FILE)
    assert found.patient_id == "p1" and not found.ambiguous


def test_a_small_typo_or_swapped_names_still_match() -> None:
    assert match_patient(claim("Lucia", "Castelanos", date(1985, 4, 27)), ON_FILE).patient_id \
        == "p1"
    assert match_patient(claim("Castellanos", "Lucía", date(1985, 4, 27)), ON_FILE).patient_id \
        == "p1"


def test_the_date_of_birth_must_be_equal() -> None:
    assert match_patient(claim("Lucía", "Castellanos", date(1985, 4, 28)), ON_FILE).patient_id \
        is None


def test_a_different_first_name_is_not_a_match() -> None:
    assert match_patient(claim("Maria", "Castellanos", date(1985, 4, 27)), ON_FILE).patient_id \
        is None


def test_two_plausible_patients_give_no_match() -> None:
    twins = [*ON_FILE, patient("p4", "Jordan", "Alder", date(1985, 4, 27))]
    found = match_patient(claim("Jordan", "Alder", date(1985, 4, 27)), twins)
    assert found.patient_id is None and found.ambiguous
    assert set(found.candidates) == {"p2", "p4"}


def test_placeholder_profiles_never_match() -> None:
    placeholders = [patient("tmp", "Jordan", "Alder", date(1985, 4, 27), placeholder=True)]
    assert match_patient(claim("Jordan", "Alder", date(1985, 4, 27)), placeholders).patient_id \
        is None
