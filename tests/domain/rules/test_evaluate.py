"""evaluate(): rule order, transactional exceptions, combined deferrals, appointment bound."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from domain.errors import ValidationError
from domain.rules.decision import DecisionCode
from domain.rules.do_not_contact import opt_out
from domain.rules.evaluate import evaluate
from domain.rules.inputs import Channel, ContactStatus, DeliveryPolicy, MessageKind, PriorMessage
from tests.domain.rules.builders import CHICAGO, CLINIC_NUMBER, PATIENT_PHONE, candidate, local

TUESDAY_TEN = local(CHICAGO, 2026, 3, 10, 10, 0)
TUESDAY_NIGHT = local(CHICAGO, 2026, 3, 10, 23, 0)
POLICY = DeliveryPolicy()
OPTED_OUT = opt_out((), PATIENT_PHONE, CLINIC_NUMBER, TUESDAY_NIGHT - timedelta(minutes=1))


def test_ordinary_reminder_in_the_morning_goes() -> None:
    assert evaluate(candidate(), POLICY, TUESDAY_TEN).allowed


def test_hard_blocks_come_before_time_rules_in_documented_order() -> None:
    everything_wrong = candidate(
        dnc_entries=OPTED_OUT,
        contact_status=ContactStatus.LANDLINE,
        body="Your copay is $20",
        prior_messages=(
            PriorMessage(
                template_key="reminder", channel=Channel.SMS, address=PATIENT_PHONE,
                patient_first_name="Ana", sent_at=TUESDAY_NIGHT - timedelta(hours=1),
            ),
        ),
    )  # fmt: skip
    decision = evaluate(everything_wrong, POLICY, TUESDAY_NIGHT)
    assert decision.code is DecisionCode.DO_NOT_CONTACT
    without_dnc = evaluate(
        candidate(contact_status=ContactStatus.LANDLINE, body="$20"),
        DeliveryPolicy(blocked_contacts=frozenset({PATIENT_PHONE})),
        TUESDAY_NIGHT,
    )
    assert without_dnc.code is DecisionCode.BLOCKED_CONTACT
    content_then_time = evaluate(candidate(body="$20"), POLICY, TUESDAY_NIGHT)
    assert content_then_time.code is DecisionCode.CONTENT_MONEY


def test_staff_reply_goes_at_night_but_never_to_dnc() -> None:
    reply = candidate(kind=MessageKind.TRANSACTIONAL, template_key=None, body="Yes, 9:30 works.")
    three_am = local(CHICAGO, 2026, 3, 8, 3, 0)
    assert evaluate(reply, POLICY, three_am).allowed
    listed = candidate(kind=MessageKind.TRANSACTIONAL, dnc_entries=OPTED_OUT, template_key=None)
    assert evaluate(listed, POLICY, TUESDAY_NIGHT).code is DecisionCode.DO_NOT_CONTACT


def test_opt_out_confirmation_goes_after_the_opt_out_even_at_night() -> None:
    confirmation = candidate(
        kind=MessageKind.TRANSACTIONAL,
        is_opt_out_confirmation=True,
        dnc_entries=OPTED_OUT,
        template_key="opt_out_confirmation",
        body="You will get no more messages from Lakeside Clinic. Reply START to resume.",
    )
    assert evaluate(confirmation, POLICY, TUESDAY_NIGHT).allowed
    assert evaluate(confirmation, POLICY, TUESDAY_NIGHT + timedelta(days=1)).blocked


def test_reminder_deferred_past_its_appointment_is_skipped() -> None:
    early = candidate(appointment_start=local(CHICAGO, 2026, 3, 11, 7, 30))
    decision = evaluate(early, POLICY, TUESDAY_NIGHT)
    assert decision.code is DecisionCode.TOO_LATE_FOR_APPOINTMENT
    assert "not before the appointment at Wed 11 Mar 2026 07:30 CDT" in decision.reason
    later = candidate(appointment_start=local(CHICAGO, 2026, 3, 11, 9, 30))
    assert evaluate(later, POLICY, TUESDAY_NIGHT).deferred_until == local(
        CHICAGO, 2026, 3, 11, 8, 0
    )
    started = evaluate(later, POLICY, local(CHICAGO, 2026, 3, 11, 9, 30))
    assert started.code is DecisionCode.TOO_LATE_FOR_APPOINTMENT


def test_custom_action_after_its_appointment_is_not_bound_by_it() -> None:
    follow_up = candidate(
        kind=MessageKind.CUSTOM, appointment_start=TUESDAY_TEN - timedelta(days=1)
    )
    assert evaluate(follow_up, POLICY, TUESDAY_TEN).allowed


def test_combined_deferral_satisfies_every_rule() -> None:
    edited = candidate(kind=MessageKind.CUSTOM, edited_at=local(CHICAGO, 2026, 3, 10, 20, 30))
    decision = evaluate(edited, POLICY, local(CHICAGO, 2026, 3, 10, 20, 45))
    # the edit guard ends at 21:30, inside the quiet night: wait for Wednesday 08:00
    assert decision.deferred_until == local(CHICAGO, 2026, 3, 11, 8, 0)
    assert decision.code is DecisionCode.OUTSIDE_WORKING_HOURS
    assert "edited at" in decision.reason and "outside sending hours" in decision.reason
    afternoon_edit = candidate(
        kind=MessageKind.CUSTOM, edited_at=local(CHICAGO, 2026, 3, 10, 14, 0)
    )
    guard_only = evaluate(afternoon_edit, POLICY, local(CHICAGO, 2026, 3, 10, 14, 20))
    assert guard_only.code is DecisionCode.EDIT_GUARD
    assert guard_only.deferred_until == local(CHICAGO, 2026, 3, 10, 15, 0)


def test_latest_not_before_rule_names_the_deferral() -> None:
    policy = DeliveryPolicy(
        contact_validation_max_age=timedelta(hours=24),
        contact_validation_recheck=timedelta(hours=2),
    )
    message = candidate(kind=MessageKind.CUSTOM, edited_at=local(CHICAGO, 2026, 3, 10, 9, 30))
    decision = evaluate(message, policy, TUESDAY_TEN)
    assert decision.code is DecisionCode.CONTACT_NOT_VALIDATED  # 12:00 is later than 10:30
    assert decision.deferred_until == local(CHICAGO, 2026, 3, 10, 12, 0)
    assert "never validated" in decision.reason and "edited at" in decision.reason


def test_skipping_custom_action_ignores_time_rules_but_not_content() -> None:
    skipping = candidate(kind=MessageKind.CUSTOM, skip_delivery_rules=True)
    sunday_night = local(CHICAGO, 2026, 3, 8, 23, 0)
    assert evaluate(skipping, POLICY, sunday_night).allowed
    rude = candidate(kind=MessageKind.CUSTOM, skip_delivery_rules=True, body="f r e e sh!t")
    assert evaluate(rude, POLICY, sunday_night).code is DecisionCode.CONTENT_OFFENSIVE


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValidationError) as error:
        evaluate(candidate(), POLICY, datetime(2026, 3, 10, 10))
    assert error.value.field == "now"


def test_result_times_are_utc() -> None:
    decision = evaluate(candidate(), POLICY, TUESDAY_NIGHT)
    assert decision.deferred_until is not None and decision.deferred_until.tzinfo is UTC
    assert decision.deferred_until.astimezone(CHICAGO).time() == time(8, 0)
