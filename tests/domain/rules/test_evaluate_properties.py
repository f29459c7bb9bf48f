"""evaluate() properties over arbitrary messages, policies, zones and times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from domain.rules.decision import DecisionCode
from domain.rules.do_not_contact import is_listed
from domain.rules.evaluate import evaluate
from domain.rules.inputs import (
    Candidate,
    Channel,
    ContactStatus,
    DeliveryPolicy,
    DncEntry,
    DncSource,
    MessageKind,
    PriorMessage,
)
from domain.rules.send_window import resolve_time_rules
from tests.domain.rules.builders import (
    CLINIC_NUMBER,
    OTHER_CLINIC_NUMBER,
    OTHER_PHONE,
    PATIENT_EMAIL,
    PATIENT_PHONE,
)
from tests.domain.rules.strategies import ZONES, instants, oracle_allows, policies

_PHONES = [PATIENT_PHONE, OTHER_PHONE]
_BODIES = [
    "Hi Ana, your visit is on Tuesday at 9:30. Reply C to confirm.",
    "Flu shots are in; call us to book.",
    "Your copay is $20.",
    "Free whitening this week!",
]


_AGO = st.timedeltas(timedelta(0), timedelta(days=3))
_MAYBE_AGO = st.one_of(st.none(), _AGO)
_APPOINTMENT_IN = st.one_of(st.none(), st.timedeltas(-timedelta(hours=2), timedelta(days=9)))
_CLINICS = st.sampled_from([CLINIC_NUMBER, OTHER_CLINIC_NUMBER])


@st.composite
def messages(draw: st.DrawFn, now: datetime) -> Candidate:
    """Messages of every kind; three in four have clean contact facts, so that most examples
    get past the hard blocks and exercise the time rules."""
    kind = draw(st.sampled_from(MessageKind))
    clean = draw(st.sampled_from([True, True, True, False]))
    channel = draw(st.sampled_from(Channel))
    address = PATIENT_EMAIL if channel is Channel.EMAIL else draw(st.sampled_from(_PHONES))
    dnc: tuple[DncEntry, ...] = ()
    if not clean and draw(st.booleans()):
        if draw(st.booleans()):
            added = now - timedelta(minutes=draw(st.integers(0, 120)))
            dnc = (
                DncEntry(
                    address=address,
                    source=DncSource.PATIENT_OPT_OUT,
                    from_number=draw(_CLINICS),
                    added_at=added,
                ),
            )
        else:
            dnc = (DncEntry(address=address, source=DncSource.STAFF),)
    priors = tuple(
        PriorMessage(
            template_key=draw(st.sampled_from(["reminder", "survey"])),
            channel=channel,
            address=address,
            patient_first_name=draw(st.sampled_from(["Ana", "Luis"])),
            sent_at=now - draw(_AGO),
        )
        for _ in range(draw(st.integers(0, 2)))
    )
    appointment_in = draw(_APPOINTMENT_IN)
    validated_ago, edited_ago = draw(_MAYBE_AGO), draw(_MAYBE_AGO)
    facts: dict[str, Any] = {
        "channel": channel,
        "address": address,
        "kind": kind,
        "body": draw(st.sampled_from(_BODIES[:2] if clean else _BODIES)),
        "facility_zone": draw(st.sampled_from(ZONES)),
        "recipient_zone": draw(st.one_of(st.none(), st.sampled_from(ZONES))),
        "template_key": draw(st.sampled_from([None, "reminder", "survey"])),
        "patient_first_name": "Ana",
        "appointment_start": None if appointment_in is None else now + appointment_in,
        "prior_messages": priors,
        "dnc_entries": dnc,
        "contact_status": ContactStatus.OK if clean else draw(st.sampled_from(ContactStatus)),
        "contact_active": clean or draw(st.booleans()),
        "contact_validated_at": None if validated_ago is None else now - validated_ago,
        "from_number": draw(_CLINICS),
        "is_opt_out_confirmation": kind is MessageKind.TRANSACTIONAL and draw(st.booleans()),
        "skip_delivery_rules": kind is MessageKind.CUSTOM and draw(st.booleans()),
        "edited_at": None if edited_ago is None else now - edited_ago,
    }
    return Candidate(**facts)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Candidate, DeliveryPolicy, datetime]:
    now = draw(instants)
    policy = draw(policies())
    if draw(st.booleans()):
        policy = DeliveryPolicy(
            working_hours=policy.working_hours,
            quiet_hours=policy.quiet_hours,
            holiday_calendar=policy.holiday_calendar,
            holiday_kinds=policy.holiday_kinds,
            sunday_kinds=policy.sunday_kinds,
            template_windows=policy.template_windows,
            contact_validation_max_age=timedelta(hours=draw(st.integers(1, 72))),
            money_campaign_enabled=draw(st.booleans()),
        )
    return draw(messages(now)), policy, now


@settings(max_examples=300, deadline=None)
@given(scenario=scenarios())
def test_evaluate_invariants(scenario: tuple[Candidate, DeliveryPolicy, datetime]) -> None:
    message, policy, now = scenario
    decision = evaluate(message, policy, now)
    event(f"{decision.outcome}: {decision.code}")
    rules = resolve_time_rules(
        policy,
        message.kind,
        message.zone,
        message.template_key,
        skip_delivery_rules=message.skip_delivery_rules,
    )
    if is_listed(message.dnc_entries, message.address) and not message.is_opt_out_confirmation:
        assert decision.code is DecisionCode.DO_NOT_CONTACT, "DNC always blocks"
    if decision.allowed and rules is not None:
        assert oracle_allows(now, rules), "never allowed at a quiet or avoided local time"
    if decision.deferred:
        until = decision.deferred_until
        assert until is not None and until >= now
        if rules is not None:
            assert oracle_allows(until, rules), "a deferral lands inside the allowed window"
        bound = message.kind in (MessageKind.REMINDER, MessageKind.WAITLIST)
        if bound and message.appointment_start is not None:
            assert until < message.appointment_start
        if policy.contact_validation_max_age is None:
            assert evaluate(message, policy, until).allowed, "re-checking at the time sends"
