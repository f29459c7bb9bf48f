"""Inputs validate and normalise, and errors name the field."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from domain.errors import ValidationError
from domain.rules.decision import DecisionCode, Outcome, RuleDecision
from domain.rules.inputs import (
    DeliveryPolicy,
    HolidayCalendar,
    MessageKind,
    QuietHours,
    TemplateWindow,
    TimeWindow,
    normalize_address,
)
from tests.domain.rules.builders import PATIENT_EMAIL, candidate


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("+1 (202) 555-0143", "+12025550143"),
        ("202.555.0143", "+12025550143"),
        ("+44 20 7946 0958", "+442079460958"),
        ("  Ana.Ruiz@Example.ORG ", "ana.ruiz@example.org"),
    ],
)
def test_addresses_have_one_spelling(raw: str, normal: str) -> None:
    assert normalize_address(raw) == normal


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: TimeWindow(time(21), time(8)), "end"),
        (lambda: QuietHours(time(9), time(9)), "end"),
        (lambda: TemplateWindow("x", frozenset({7}), TimeWindow(time(9), time(17))), "weekdays"),
        (lambda: HolidayCalendar(country="XX"), "country"),
        (lambda: HolidayCalendar(subdivision="ZZ"), "subdivision"),
        (lambda: DeliveryPolicy(enabled_methods=frozenset({"fax"})), "enabled_methods"),  # type: ignore[arg-type]
        (lambda: DeliveryPolicy(blocked_contacts=frozenset({"nobody"})), "blocked_contacts[0]"),
        (
            lambda: DeliveryPolicy(holiday_kinds=frozenset({MessageKind.TRANSACTIONAL})),
            "holiday_kinds",
        ),
        (lambda: candidate(address=PATIENT_EMAIL), "address"),
        (lambda: candidate(facility_zone="Mars/Base"), "facility_zone"),
        (lambda: candidate(recipient_zone="EST5EDT6"), "recipient_zone"),
        (lambda: candidate(appointment_start=datetime(2026, 3, 10, 9)), "appointment_start"),
        (lambda: candidate(kind="newsletter"), "kind"),
        (lambda: candidate(skip_delivery_rules=True), "skip_delivery_rules"),
    ],
)  # fmt: skip
def test_errors_name_the_field(build: object, field: str) -> None:
    assert callable(build)
    with pytest.raises(ValidationError) as error:
        build()
    assert error.value.field == field


def test_midnight_ends_a_window() -> None:
    assert TimeWindow(time(18), time(0)).end == time(0)


def test_candidate_uses_the_patient_zone_else_the_facility_zone() -> None:
    assert candidate().zone.key == "America/Chicago"
    assert candidate(recipient_zone="America/Denver").zone.key == "America/Denver"


def test_decisions_carry_utc_times_only_when_deferred() -> None:
    later = datetime(2026, 3, 10, 9, tzinfo=UTC).astimezone().replace(microsecond=0)
    deferred = RuleDecision.defer(DecisionCode.QUIET_HOURS, "quiet", later)
    assert deferred.outcome is Outcome.DEFERRED and deferred.deferred_until is not None
    assert deferred.deferred_until.tzinfo is UTC and deferred.deferred_until == later
    with pytest.raises(ValidationError):
        RuleDecision(Outcome.ALLOWED, DecisionCode.ALLOWED, "", later)
    with pytest.raises(ValidationError):
        RuleDecision.defer(DecisionCode.QUIET_HOURS, "quiet", datetime(2026, 3, 10, 9))
    assert RuleDecision.allow().allowed and not RuleDecision.allow().deferred
    assert RuleDecision.block(DecisionCode.BLACKOUT, "x").blocked
