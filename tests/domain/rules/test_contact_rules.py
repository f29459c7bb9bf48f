"""Blocked contacts (REM-35), limited contacts (REM-34), contact methods (REM-28, REM-32) and
invalid addresses -- table-driven."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.errors import ValidationError
from domain.rules.contact_lists import check_blocked_contacts, check_limited_contacts
from domain.rules.contact_methods import (
    check_contact_status,
    check_inactive_method,
    check_method_enabled,
)
from domain.rules.decision import DecisionCode
from domain.rules.evaluate import Rule
from domain.rules.inputs import Channel, ContactStatus, DeliveryPolicy, MessageKind
from tests.domain.rules.builders import OTHER_PHONE, PATIENT_EMAIL, PATIENT_PHONE, candidate

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
TEST_MODE = DeliveryPolicy(
    limited_contacts_only=True, limited_contacts=frozenset({"(202) 555-0178"})
)


@pytest.mark.parametrize(
    ("rule", "policy", "facts", "code"),
    [
        (check_blocked_contacts, DeliveryPolicy(), {}, DecisionCode.ALLOWED),
        (
            check_blocked_contacts,
            DeliveryPolicy(blocked_contacts=frozenset({"202-555-0143"})),
            {},
            DecisionCode.BLOCKED_CONTACT,
        ),
        (
            check_blocked_contacts,
            DeliveryPolicy(blocked_contacts=frozenset({"ANA.RUIZ@example.org"})),
            {"channel": Channel.EMAIL, "address": PATIENT_EMAIL},
            DecisionCode.BLOCKED_CONTACT,
        ),
        (
            check_blocked_contacts,
            DeliveryPolicy(blocked_contacts=frozenset({PATIENT_PHONE})),
            {"kind": MessageKind.TRANSACTIONAL},
            DecisionCode.BLOCKED_CONTACT,
        ),
        (check_limited_contacts, DeliveryPolicy(), {}, DecisionCode.ALLOWED),
        (check_limited_contacts, TEST_MODE, {}, DecisionCode.NOT_IN_LIMITED_CONTACTS),
        (check_limited_contacts, TEST_MODE, {"address": OTHER_PHONE}, DecisionCode.ALLOWED),
        (
            check_limited_contacts,
            DeliveryPolicy(limited_contacts=frozenset({PATIENT_PHONE})),
            {"address": OTHER_PHONE},
            DecisionCode.ALLOWED,
        ),
        (check_method_enabled, DeliveryPolicy(), {"channel": Channel.VOICE}, DecisionCode.ALLOWED),
        (
            check_method_enabled,
            DeliveryPolicy(enabled_methods=frozenset({Channel.SMS, Channel.EMAIL})),
            {"channel": Channel.VOICE},
            DecisionCode.METHOD_NOT_ENABLED,
        ),
        (
            check_inactive_method,
            DeliveryPolicy(),
            {"contact_active": False},
            DecisionCode.METHOD_INACTIVE,
        ),
        (
            check_inactive_method,
            DeliveryPolicy(send_to_inactive_methods=True),
            {"contact_active": False},
            DecisionCode.ALLOWED,
        ),
        (check_contact_status, DeliveryPolicy(), {}, DecisionCode.ALLOWED),
        (
            check_contact_status,
            DeliveryPolicy(),
            {"contact_status": ContactStatus.LANDLINE},
            DecisionCode.SMS_TO_LANDLINE,
        ),
        (
            check_contact_status,
            DeliveryPolicy(),
            {"contact_status": ContactStatus.LANDLINE, "channel": Channel.VOICE},
            DecisionCode.ALLOWED,
        ),
        (
            check_contact_status,
            DeliveryPolicy(),
            {"contact_status": ContactStatus.INVALID, "channel": Channel.VOICE},
            DecisionCode.CONTACT_INVALID,
        ),
        (
            check_contact_status,
            DeliveryPolicy(),
            {"contact_status": "invalid", "channel": "email", "address": PATIENT_EMAIL},
            DecisionCode.CONTACT_INVALID,
        ),
    ],
)  # fmt: skip
def test_contact_rules(
    rule: Rule, policy: DeliveryPolicy, facts: dict[str, Any], code: DecisionCode
) -> None:
    decision = rule(candidate(**facts), policy, NOW)
    assert decision.code is code
    assert decision.allowed == (code is DecisionCode.ALLOWED)
    if not decision.allowed:
        assert decision.blocked and decision.reason


def test_limited_mode_without_addresses_is_rejected() -> None:
    with pytest.raises(ValidationError) as error:
        DeliveryPolicy(limited_contacts_only=True)
    assert error.value.field == "limited_contacts"


def test_no_methods_is_rejected() -> None:
    with pytest.raises(ValidationError) as error:
        DeliveryPolicy(enabled_methods=frozenset())
    assert error.value.field == "enabled_methods"
