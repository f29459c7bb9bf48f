"""Do Not Contact: the blocking rule and the list's state changes (REM-36, REM-38, REM-39)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import NotFound, ValidationError
from domain.rules.decision import DecisionCode
from domain.rules.do_not_contact import (
    check_do_not_contact,
    is_listed,
    opt_in,
    opt_out,
    opted_out_from,
    staff_add,
    staff_remove,
)
from domain.rules.errors import DncRemovalNotAllowed
from domain.rules.inputs import Channel, DeliveryPolicy, DncEntry, DncSource, MessageKind
from tests.domain.rules.builders import (
    CLINIC_NUMBER,
    OTHER_CLINIC_NUMBER,
    OTHER_PHONE,
    PATIENT_EMAIL,
    PATIENT_PHONE,
    candidate,
)

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
POLICY = DeliveryPolicy()


def test_patient_opt_out_blocks_and_says_where_they_opted_out() -> None:
    entries = opt_out((), PATIENT_PHONE, CLINIC_NUMBER, NOW)
    decision = check_do_not_contact(candidate(dnc_entries=entries), POLICY, NOW)
    assert decision.blocked and decision.code is DecisionCode.DO_NOT_CONTACT
    assert decision.reason == (
        "+12025550143 is on the Do Not Contact list "
        "(the patient opted out by replying to +13125550100)"
    )
    assert opted_out_from(entries, "(202) 555-0143") == (CLINIC_NUMBER,)


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (DncEntry(address=PATIENT_PHONE, source=DncSource.STAFF), "added by staff"),
        (DncEntry(address=PATIENT_PHONE, source=DncSource.EHR), "flagged in the EHR"),
    ],
)
def test_staff_and_ehr_entries_block(entry: DncEntry, reason: str) -> None:
    decision = check_do_not_contact(candidate(dnc_entries=(entry,)), POLICY, NOW)
    assert decision.blocked and reason in decision.reason


def test_email_entries_match_case_insensitively() -> None:
    entries = staff_add((), "Ana.Ruiz@Example.ORG", NOW)
    emailed = candidate(channel=Channel.EMAIL, address=PATIENT_EMAIL, dnc_entries=entries)
    assert check_do_not_contact(emailed, POLICY, NOW).blocked


def test_other_addresses_are_not_affected() -> None:
    entries = opt_out((), OTHER_PHONE, CLINIC_NUMBER, NOW)
    assert check_do_not_contact(candidate(dnc_entries=entries), POLICY, NOW).allowed


def test_start_from_the_same_number_restarts_messages() -> None:
    entries = opt_out((), PATIENT_PHONE, CLINIC_NUMBER, NOW)
    assert opt_in(entries, PATIENT_PHONE, OTHER_CLINIC_NUMBER) == entries
    assert opt_in(entries, PATIENT_PHONE, CLINIC_NUMBER) == ()


def test_start_does_not_undo_staff_or_ehr_entries() -> None:
    entries = staff_add(opt_out((), PATIENT_PHONE, CLINIC_NUMBER, NOW), PATIENT_PHONE, NOW)
    after = opt_in(entries, PATIENT_PHONE, CLINIC_NUMBER)
    assert is_listed(after, PATIENT_PHONE)
    assert [e.source for e in after] == [DncSource.STAFF]


def test_repeated_stop_keeps_the_first_entry() -> None:
    once = opt_out((), PATIENT_PHONE, CLINIC_NUMBER, NOW)
    assert opt_out(once, PATIENT_PHONE, CLINIC_NUMBER, NOW + timedelta(days=1)) == once


def test_staff_remove_only_what_staff_added() -> None:
    added = staff_add((), PATIENT_PHONE, NOW)
    assert staff_add(added, PATIENT_PHONE, NOW) == added
    assert staff_remove(added, PATIENT_PHONE) == ()
    opted_out = opt_out((), PATIENT_PHONE, CLINIC_NUMBER, NOW)
    with pytest.raises(DncRemovalNotAllowed) as error:
        staff_remove(opted_out, PATIENT_PHONE)
    assert error.value.address == PATIENT_PHONE
    assert error.value.sources == (DncSource.PATIENT_OPT_OUT,)
    assert error.value.to_dict()["sources"] == ["patient_opt_out"]
    both = staff_add(opted_out, PATIENT_PHONE, NOW)
    assert staff_remove(both, PATIENT_PHONE) == opted_out
    with pytest.raises(NotFound):
        staff_remove((), PATIENT_PHONE)


def test_opt_out_confirmation_is_the_one_exception() -> None:
    entries = opt_out((), PATIENT_PHONE, CLINIC_NUMBER, NOW)

    def confirmation(**overrides: object) -> DecisionCode:
        facts: dict[str, object] = {
            "kind": MessageKind.TRANSACTIONAL,
            "is_opt_out_confirmation": True,
            "dnc_entries": entries,
        }
        facts.update(overrides)
        at = facts.pop("at", NOW + timedelta(seconds=5))
        assert isinstance(at, datetime)
        return check_do_not_contact(candidate(**facts), POLICY, at).code

    assert confirmation() is DecisionCode.ALLOWED
    assert confirmation(from_number=OTHER_CLINIC_NUMBER) is DecisionCode.DO_NOT_CONTACT
    assert confirmation(at=NOW + timedelta(hours=2)) is DecisionCode.DO_NOT_CONTACT
    assert confirmation(is_opt_out_confirmation=False) is DecisionCode.DO_NOT_CONTACT
    staff_only = staff_add((), PATIENT_PHONE, NOW)
    assert confirmation(dnc_entries=staff_only) is DecisionCode.DO_NOT_CONTACT
    with pytest.raises(ValidationError) as error:
        candidate(is_opt_out_confirmation=True)  # a reminder cannot claim to be one
    assert error.value.field == "is_opt_out_confirmation"


def test_entry_validation_names_the_field() -> None:
    with pytest.raises(ValidationError) as error:
        DncEntry(address=PATIENT_PHONE, source=DncSource.PATIENT_OPT_OUT)
    assert error.value.field == "from_number"
    with pytest.raises(ValidationError) as error:
        DncEntry(address=PATIENT_PHONE, source="robot")  # type: ignore[arg-type]
    assert error.value.field == "source"
    with pytest.raises(ValidationError) as error:
        DncEntry(address="not an address", source=DncSource.STAFF)
    assert error.value.field == "address"


# ---- properties ---------------------------------------------------------------------------

_phones = st.sampled_from([PATIENT_PHONE, OTHER_PHONE, "+14155550111"])
_clinic_numbers = st.sampled_from([CLINIC_NUMBER, OTHER_CLINIC_NUMBER, "+16465550123"])
_entries = st.lists(
    st.one_of(
        st.builds(
            DncEntry,
            address=_phones,
            source=st.just(DncSource.PATIENT_OPT_OUT),
            from_number=_clinic_numbers,
            added_at=st.just(NOW),
        ),
        st.builds(
            DncEntry, address=_phones, source=st.sampled_from([DncSource.STAFF, DncSource.EHR])
        ),
    ),
    max_size=5,
).map(tuple)


@settings(max_examples=150, deadline=None)
@given(
    entries=_entries,
    kind=st.sampled_from(MessageKind),
    channel=st.sampled_from([Channel.SMS, Channel.VOICE]),
    address=_phones,
    minutes=st.integers(-10_000, 10_000),
)
def test_dnc_always_blocks(
    entries: tuple[DncEntry, ...], kind: MessageKind, channel: Channel, address: str, minutes: int
) -> None:
    message = candidate(kind=kind, channel=channel, address=address, dnc_entries=entries)
    decision = check_do_not_contact(message, POLICY, NOW + timedelta(minutes=minutes))
    assert decision.blocked == is_listed(entries, address)


_operations = st.lists(st.tuples(st.sampled_from(["stop", "start"]), _clinic_numbers), max_size=12)


@settings(max_examples=150, deadline=None)
@given(operations=_operations)
def test_opt_in_only_from_the_same_number(operations: list[tuple[str, str]]) -> None:
    """Listed exactly while some clinic number's latest word from the patient was STOP."""
    entries: tuple[DncEntry, ...] = ()
    last_word: dict[str, str] = {}
    for word, number in operations:
        if word == "stop":
            entries = opt_out(entries, PATIENT_PHONE, number, NOW)
        else:
            entries = opt_in(entries, PATIENT_PHONE, number)
        last_word[number] = word
        stopped = {n for n, w in last_word.items() if w == "stop"}
        assert is_listed(entries, PATIENT_PHONE) == bool(stopped)
        assert set(opted_out_from(entries, PATIENT_PHONE)) == stopped
