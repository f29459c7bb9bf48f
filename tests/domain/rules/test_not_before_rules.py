"""Rules that hold a message until a time: contact validation (HUB-21), edit guard (CUS-06)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import ValidationError
from domain.rules.contact_validation import check_contact_validation
from domain.rules.decision import DecisionCode
from domain.rules.edit_guard import check_edit_guard
from domain.rules.inputs import DeliveryPolicy, MessageKind
from tests.domain.rules.builders import candidate

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
VALIDATING = DeliveryPolicy(contact_validation_max_age=timedelta(hours=48))


@pytest.mark.parametrize(
    ("policy", "kind", "validated_at", "deferred"),
    [
        (DeliveryPolicy(), MessageKind.REMINDER, None, False),  # option off by default
        (VALIDATING, MessageKind.REMINDER, None, True),
        (VALIDATING, MessageKind.REMINDER, NOW - timedelta(hours=49), True),
        (VALIDATING, MessageKind.REMINDER, NOW - timedelta(hours=48), False),
        (VALIDATING, MessageKind.BROADCAST, NOW - timedelta(days=9), True),
        (VALIDATING, MessageKind.WAITLIST, None, True),
        (VALIDATING, MessageKind.CUSTOM, None, True),
        (VALIDATING, MessageKind.STAFF, None, False),
        (VALIDATING, MessageKind.TRANSACTIONAL, None, False),
    ],
)
def test_contact_validation(
    policy: DeliveryPolicy, kind: MessageKind, validated_at: datetime | None, deferred: bool
) -> None:
    decision = check_contact_validation(
        candidate(kind=kind, contact_validated_at=validated_at), policy, NOW
    )
    assert decision.deferred == deferred
    if deferred:
        assert decision.code is DecisionCode.CONTACT_NOT_VALIDATED
        assert decision.deferred_until == NOW + timedelta(hours=1)
        assert "within 48 hours" in decision.reason


@pytest.mark.parametrize(
    ("facts", "until"),
    [
        ({"kind": MessageKind.CUSTOM, "edited_at": NOW - timedelta(minutes=20)},
         NOW + timedelta(minutes=40)),
        ({"kind": MessageKind.CUSTOM, "edited_at": NOW - timedelta(minutes=60)}, None),
        ({"kind": MessageKind.CUSTOM, "edited_at": None}, None),
        ({"kind": MessageKind.CUSTOM, "edited_at": NOW, "skip_delivery_rules": True}, None),
        ({"kind": MessageKind.BROADCAST, "edited_at": NOW}, None),
    ],
)  # fmt: skip
def test_edit_guard(facts: dict[str, object], until: datetime | None) -> None:
    decision = check_edit_guard(candidate(**facts), DeliveryPolicy(), NOW)
    assert decision.deferred_until == until
    if until is not None:
        assert decision.code is DecisionCode.EDIT_GUARD


def test_policy_durations_are_validated() -> None:
    for name, value in [
        ("contact_validation_max_age", timedelta(0)),
        ("contact_validation_recheck", timedelta(0)),
        ("blackout_period", timedelta(hours=-1)),
        ("custom_edit_guard", timedelta(minutes=-5)),
    ]:
        with pytest.raises(ValidationError) as error:
            DeliveryPolicy(**{name: value})  # type: ignore[arg-type]
        assert error.value.field == name
