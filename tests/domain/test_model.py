"""The model refuses invalid values with an error naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Conflict, ValidationError
from domain.model import (
    Appointment,
    AppointmentStatus,
    CancelSource,
    ContactKind,
    ContactPoint,
    ContactValidity,
    Facility,
    Message,
    OutboxMessage,
    Patient,
    StaffUser,
    new_id,
)
from domain.model.ids import encode

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def appointment(**overrides: object) -> Appointment:
    values: dict[str, object] = dict(
        id="a1",
        org_id="o",
        patient_id="p",
        facility_id="f",
        provider_id="d",
        type_id=None,
        start=NOW + timedelta(days=3),
        duration_minutes=30,
        created_at=NOW,
        updated_at=NOW,
    )
    values.update(overrides)
    return Appointment(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "facility.timezone"),
        ({"phone": "555"}, "facility.phone"),
        ({"name": "   "}, "facility.name"),
    ],
)
def test_facility_rejects_bad_values(kwargs: dict[str, str], field: str) -> None:
    values = {"id": "f", "org_id": "o", "name": "Downtown", "timezone": "America/Chicago"}
    values.update(kwargs)
    with pytest.raises(ValidationError) as error:
        Facility(**values)  # type: ignore[arg-type]
    assert error.value.field == field


def test_phone_numbers_are_stored_in_e164() -> None:
    contact = ContactPoint(kind=ContactKind.SMS, value="(312) 555-0142")
    assert contact.value == "+13125550142"


def test_email_domain_is_lower_cased_and_bad_email_refused() -> None:
    assert ContactPoint(kind="email", value="Ana@Example.COM").value == "Ana@example.com"  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"contact.value"):
        ContactPoint(kind="email", value="not-an-email")  # type: ignore[arg-type]


def test_unknown_contact_kind_is_refused() -> None:
    with pytest.raises(ValidationError) as error:
        ContactPoint(kind="fax", value="+13125550142")  # type: ignore[arg-type]
    assert error.value.field == "contact.kind"


def test_landline_is_not_reachable_by_text_but_is_by_voice() -> None:
    sms = ContactPoint(kind="sms", value="+13125550142", validity=ContactValidity.LANDLINE)  # type: ignore[arg-type]
    voice = ContactPoint(kind="voice", value="+13125550142", validity=ContactValidity.LANDLINE)  # type: ignore[arg-type]
    assert not sms.reachable
    assert voice.reachable


def test_patient_validation() -> None:
    base = dict(id="p", org_id="o", first_name="Ana", last_name="Ruiz")
    with pytest.raises(ValidationError, match=r"patient.date_of_birth"):
        Patient(**base, date_of_birth=date.today() + timedelta(days=1))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"patient.preferred_language"):
        Patient(**base, preferred_language="Spanish")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"patient.last_name"):
        Patient(id="p", org_id="o", first_name="Ana", last_name="")
    twice = ContactPoint(kind=ContactKind.SMS, value="+13125550142")
    with pytest.raises(ValidationError, match=r"patient.contacts\[1\]"):
        Patient(**base, contacts=(twice, twice))  # type: ignore[arg-type]
    # An unknown sender's placeholder profile may have no name (HUB-14).
    assert Patient(id="p", org_id="o", first_name="", last_name="", placeholder=True)


def test_preferred_contacts_come_first() -> None:
    patient = Patient(
        id="p",
        org_id="o",
        first_name="Ana",
        last_name="Ruiz",
        contacts=(
            ContactPoint(kind=ContactKind.SMS, value="+13125550142"),
            ContactPoint(kind=ContactKind.SMS, value="+13125550143", preferred=True),
            ContactPoint(kind=ContactKind.SMS, value="+13125550144", active=False),
        ),
    )
    assert [c.value for c in patient.contacts_of(ContactKind.SMS)] == [
        "+13125550143",
        "+13125550142",
    ]


def test_appointment_requires_aware_times_and_known_status() -> None:
    with pytest.raises(ValidationError, match=r"appointment.start"):
        appointment(start=datetime(2026, 11, 20, 9, 0))
    with pytest.raises(ValidationError, match=r"appointment.status"):
        appointment(status="maybe")
    with pytest.raises(ValidationError, match=r"appointment.duration_minutes"):
        appointment(duration_minutes=0)


def test_appointment_lifecycle_follows_fhir() -> None:
    booked = appointment()
    cancelled = booked.cancel(NOW, CancelSource.PATIENT)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert cancelled.cancel_source is CancelSource.PATIENT
    # Confirming after cancelling books it again (allowed only when the organisation says so).
    assert cancelled.confirm(NOW).status is AppointmentStatus.BOOKED
    fulfilled = booked.with_status(AppointmentStatus.FULFILLED, NOW)
    with pytest.raises(Conflict):
        fulfilled.with_status(AppointmentStatus.BOOKED, NOW)
    noshow = booked.cancel(NOW, CancelSource.PATIENT, no_show=True)
    assert noshow.status is AppointmentStatus.NOSHOW and noshow.no_show_fee_notice


def test_message_body_limit() -> None:
    with pytest.raises(ValidationError, match=r"message.body"):
        Message(
            id="m",
            org_id="o",
            conversation_id="c",
            direction="inbound",  # type: ignore[arg-type]
            channel="sms",
            body="x" * 5000,
            status="received",
            created_at=NOW,
        )  # type: ignore[arg-type]


def test_outbox_needs_body_or_template() -> None:
    with pytest.raises(ValidationError, match=r"outbox.body"):
        OutboxMessage(
            id="x",
            org_id="o",
            dedupe_key="k",
            kind="reminder",
            channel="sms",  # type: ignore[arg-type]
            to_address="+13125550142",
            due_at=NOW,
            created_at=NOW,
        )


def test_staff_user_facility_access_from_groups() -> None:
    from domain.model import Group, Role

    groups = {
        "g1": Group(id="g1", org_id="o", name="East", facility_ids=frozenset({"f1"})),
        "g2": Group(id="g2", org_id="o", name="West", facility_ids=frozenset({"f2"})),
    }
    staff = StaffUser(
        id="u",
        org_id="o",
        email="a@example.com",
        name="A",
        role=Role.STAFF,
        group_ids=frozenset({"g1"}),
        created_at=NOW,
    )
    admin = StaffUser(
        id="v", org_id="o", email="b@example.com", name="B", role=Role.ADMIN, created_at=NOW
    )
    assert staff.facility_access(groups) == frozenset({"f1"})
    assert admin.facility_access(groups) is None


def test_ids_sort_by_creation_time() -> None:
    first = new_id(1_700_000_000_000)
    second = new_id(1_700_000_000_001)
    assert len(first) == 26 and first < second


def test_ids_made_in_the_same_millisecond_keep_their_order() -> None:
    ids = [new_id(1_700_000_000_000) for _ in range(1000)]
    assert ids == sorted(ids) and len(set(ids)) == 1000


@given(st.integers(min_value=0, max_value=(1 << 130) - 1))
def test_ids_are_the_value_in_crockford_base32(value: int) -> None:
    digits = []
    rest = value
    for _ in range(26):
        digits.append("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[rest & 31])
        rest >>= 5
    assert encode(value) == "".join(reversed(digits))
