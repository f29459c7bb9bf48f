"""Blackout (REM-13): same template, contact method and first name within the period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.rules.blackout import check_blackout
from domain.rules.decision import DecisionCode
from domain.rules.inputs import Channel, DeliveryPolicy, MessageKind, PriorMessage
from tests.domain.rules.builders import OTHER_PHONE, PATIENT_PHONE, candidate

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def prior(**overrides: Any) -> PriorMessage:
    facts: dict[str, Any] = {
        "template_key": "reminder",
        "channel": Channel.SMS,
        "address": PATIENT_PHONE,
        "patient_first_name": "Ana",
        "sent_at": NOW - timedelta(hours=3),
    }
    facts.update(overrides)
    return PriorMessage(**facts)


@pytest.mark.parametrize(
    ("earlier", "facts", "policy", "blocked"),
    [
        pytest.param(prior(), {}, DeliveryPolicy(), True, id="duplicate-record-same-name"),
        pytest.param(prior(patient_first_name="  ANA "), {}, DeliveryPolicy(), True,
                     id="first-name-case-and-spaces-ignored"),
        pytest.param(prior(patient_first_name="Luis"), {}, DeliveryPolicy(), False,
                     id="family-member-with-another-name-still-gets-theirs"),
        pytest.param(prior(template_key="survey"), {}, DeliveryPolicy(), False,
                     id="other-template"),
        pytest.param(prior(channel=Channel.VOICE), {}, DeliveryPolicy(), False,
                     id="other-channel"),
        pytest.param(prior(address=OTHER_PHONE), {}, DeliveryPolicy(), False,
                     id="other-phone"),
        pytest.param(prior(sent_at=NOW - timedelta(hours=24)), {}, DeliveryPolicy(), False,
                     id="period-over-at-24h"),
        pytest.param(prior(sent_at=NOW - timedelta(hours=23, minutes=59)), {},
                     DeliveryPolicy(), True, id="just-inside-24h"),
        pytest.param(prior(sent_at=NOW - timedelta(hours=3)), {},
                     DeliveryPolicy(blackout_period=timedelta(hours=2)), False,
                     id="configured-shorter-period"),
        pytest.param(prior(blackout=timedelta(hours=48), sent_at=NOW - timedelta(hours=30)), {},
                     DeliveryPolicy(), True, id="earlier-message-own-period"),
        pytest.param(prior(), {}, DeliveryPolicy(blackout_period=timedelta(0)), False,
                     id="zero-disables"),
        pytest.param(prior(), {"template_key": None}, DeliveryPolicy(), False,
                     id="free-text-never-blacked-out"),
        pytest.param(prior(), {"kind": MessageKind.TRANSACTIONAL}, DeliveryPolicy(), False,
                     id="transactional-never-blacked-out"),
        pytest.param(prior(sent_at=NOW), {}, DeliveryPolicy(), True,
                     id="sent-in-the-same-dispatch-batch"),
    ],
)  # fmt: skip
def test_blackout(
    earlier: PriorMessage, facts: dict[str, Any], policy: DeliveryPolicy, blocked: bool
) -> None:
    decision = check_blackout(candidate(prior_messages=(earlier,), **facts), policy, NOW)
    assert decision.blocked == blocked
    if blocked:
        assert decision.code is DecisionCode.BLACKOUT
        assert "blackout period" in decision.reason
