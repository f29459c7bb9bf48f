"""Openings published from a CSV file: names resolved, local times read at the facility,
every bad line reported."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.waitlist.slot_import import SlotDirectory, read_slots
from tests.domain.waitlist.builders import NOW

DIRECTORY = SlotDirectory(
    facilities={"FAC1": "Lakeside", "FAC2": "Hillcrest"},
    zones={"FAC1": "America/Chicago", "FAC2": "America/Denver"},
    providers={"PRV1": "Dr. Ada Stone"},
    types={"TYPE1": "Check-up"},
    durations={"TYPE1": 45},
)


def read(text: str):  # type: ignore[no-untyped-def]
    return read_slots(text.encode(), org_id="ORG1", directory=DIRECTORY, now=NOW)


def test_local_times_are_read_at_the_facility_and_defaults_apply() -> None:
    report = read(
        "Facility,Provider,Type,Start,Double Booked\n"
        "Lakeside,dr. ada stone,Check-up,2026-11-20 09:30,\n"
        "FAC2,PRV1,,2026-11-20T09:30:00+00:00,yes\n"
    )
    first, second = report.slots
    assert first.start == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)  # 09:30 in Chicago
    assert (first.duration_minutes, first.type_id, first.source) == (45, "TYPE1", "schedule")
    assert second.start == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert (second.duration_minutes, second.double_booked) == (30, True)
    assert report.to_dict()["ok"] is True


def test_every_bad_line_is_reported() -> None:
    report = read(
        "facility,provider,start,duration_minutes,double_booked\n"
        ",PRV1,2026-11-20 09:30,,\n"
        "Lakeside,Dr. Nobody,2026-11-20 09:30,,\n"
        "Lakeside,PRV1,yesterday,,\n"
        "Lakeside,PRV1,2020-01-01 09:00,,\n"
        "Lakeside,PRV1,2026-11-20 09:30,1,maybe\n"
        "Nowhere,PRV1,2026-11-20 09:30,,\n"
    )
    problems = {line["line"]: [p["field"] for p in line["problems"]]
                for line in report.to_dict()["lines"]}
    assert problems == {
        2: ["facility", "start"], 3: ["provider"], 4: ["start"], 5: ["start"],
        6: ["duration_minutes", "double_booked"], 7: ["facility", "start"],
    }
    assert report.slots == []


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_report(data: bytes) -> None:
    report = read_slots(data, org_id="ORG1", directory=DIRECTORY, now=NOW)
    assert report.to_dict()["accepted"] == len(report.slots)
