"""Bulk upload (WL-11): every line is checked and reported; nothing malformed is stored."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.org_settings import WaitlistSettings
from domain.waitlist import EntrySource
from domain.waitlist.csv_import import Directory, read_entries
from tests.domain.waitlist.builders import NOW

DIRECTORY = Directory(
    patients_by_mrn={"MRN-1": "P1", "MRN-2": "P2", "MRN-3": "P3"},
    patients_by_id=frozenset({"P1", "P2", "P3"}),
    facilities={"FAC1": "Lakeside", "FAC2": "Hillcrest"},
    providers={"PRV1": "Dr. Ada Stone", "PRV2": "Dr. Ben Okafor"},
    types={"TYPE1": "Check-up"},
    with_future_appointment=frozenset({"P1", "P2"}),
    waiting=frozenset({("P3", "FAC1", None, None)}),
    zone="America/Chicago",
)


def read(text: str, settings: WaitlistSettings | None = None):  # type: ignore[no-untyped-def]
    return read_entries(text.encode(), org_id="ORG1", directory=DIRECTORY,
                        settings=settings or WaitlistSettings(), now=NOW)


def test_valid_lines_become_entries_with_names_resolved_and_defaults_applied() -> None:
    report = read(
        "MRN,Facility,Provider,Type,Duration Minutes,Note\n"
        "MRN-1,Lakeside,dr. ada stone,Check-up,,mornings please\n"
        "MRN-2,FAC2,,,45,\n"
    )
    assert report.ok
    first, second = report.entries
    assert (first.patient_id, first.facility_id, first.provider_id, first.type_id) == (
        "P1", "FAC1", "PRV1", "TYPE1")
    assert first.duration_minutes == 30  # WL-28 default
    assert first.note == "mornings please"
    assert first.source is EntrySource.CSV and first.org_id == "ORG1"
    assert (second.facility_id, second.provider_id, second.duration_minutes) == ("FAC2", None, 45)


def test_every_bad_line_is_reported_with_its_number_and_field() -> None:
    report = read(
        "mrn,patient_id,facility,provider,duration_minutes,expires_on\n"
        "MRN-1,,Lakeside,,,\n"
        ",,Lakeside,,,\n"
        "MRN-9,,,,,\n"
        "MRN-2,,Nowhere,Dr. Nobody,3,\n"
        ",P2,,,,2020-01-01\n"
        ",P1,,,,31/12/2026\n"
        "MRN-3,,Lakeside,,,\n"
    )
    assert not report.ok
    result = report.to_dict()
    assert (result["accepted"], result["rejected"]) == (1, 6)
    problems = {line["line"]: [p["field"] for p in line["problems"]]
                for line in result["lines"] if not line["ok"]}
    assert problems == {
        3: ["mrn"],
        4: ["mrn"],
        5: ["facility", "provider", "duration_minutes"],
        6: ["expires_on"],
        7: ["expires_on"],
        8: ["patient"],  # P3 already waits at Lakeside
    }


def test_the_same_patient_twice_in_one_file_is_refused_the_second_time() -> None:
    report = read("mrn\nMRN-1\nMRN-1\n")
    assert [line.ok for line in report.lines] == [True, False]


def test_a_future_appointment_can_be_required() -> None:
    report = read("mrn\nMRN-1\nMRN-3\n", WaitlistSettings(require_future_appointment=True))
    assert [line.ok for line in report.lines] == [True, False]
    assert report.lines[1].problems[0].field == "patient_id"


def test_expiry_is_the_end_of_that_day_at_the_clinic() -> None:
    (entry,) = read("mrn,expires_on\nMRN-1,2026-12-01\n").entries
    assert entry.expires_at is not None
    assert entry.expires_at - NOW > timedelta(days=13)
    assert entry.expires_at.hour == 23


def test_file_problems() -> None:
    assert read("").problems[0].field == "file"
    assert read("facility\nLakeside\n").problems[0].message == (
        "needs a column named mrn or patient_id")
    assert read("mrn,colour\nMRN-1,blue\n").problems[0].message == "unknown column 'colour'"
    assert read("mrn,mrn\nMRN-1,MRN-2\n").problems[0].field == "header"
    bad = read_entries(b"\xff\xfe\x00", org_id="ORG1", directory=DIRECTORY,
                       settings=WaitlistSettings(), now=NOW)
    assert bad.problems[0].message == "is not UTF-8 text"
    extra = read("mrn\nMRN-1,surplus\n")
    assert extra.lines[0].problems[0].field == "line"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_a_report_never_an_error(data: bytes) -> None:
    report = read_entries(data, org_id="ORG1", directory=DIRECTORY,
                          settings=WaitlistSettings(), now=NOW)
    assert isinstance(report.to_dict()["ok"], bool)
    assert all(e.patient_id in DIRECTORY.patients_by_id for e in report.entries)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), min_size=0, max_size=8), max_size=12))
def test_any_table_of_text_gives_a_report(rows: list[list[str]]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows([["mrn", "facility", "note"], *rows])
    report = read(buffer.getvalue())
    assert len(report.lines) <= len(rows)
