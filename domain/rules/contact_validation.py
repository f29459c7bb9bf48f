"""Wait for a freshly validated contact (HUB-21, option, off by default).

When ``policy.contact_validation_max_age`` is set, an automated message (reminder, broadcast,
custom action, waitlist offer) is held while the contact was last validated against the EHR
longer ago than that -- or never -- and re-checked ``policy.contact_validation_recheck`` later.
Staff and transactional messages are not held: a person chose to send them now. A held
reminder or offer that would go out at or after its appointment is blocked by ``evaluate``.
"""

from __future__ import annotations

from datetime import datetime

from domain.rules.decision import DecisionCode, RuleDecision
from domain.rules.inputs import Candidate, DeliveryPolicy, MessageKind

__all__ = ["check_contact_validation"]

_HELD_KINDS = frozenset(
    {MessageKind.REMINDER, MessageKind.BROADCAST, MessageKind.CUSTOM, MessageKind.WAITLIST}
)


def check_contact_validation(
    candidate: Candidate, policy: DeliveryPolicy, now: datetime
) -> RuleDecision:
    """Defer an automated message whose contact is not validated recently enough (HUB-21)."""
    max_age = policy.contact_validation_max_age
    if max_age is None or candidate.kind not in _HELD_KINDS:
        return RuleDecision.allow()
    validated = candidate.contact_validated_at
    if validated is not None and now - validated <= max_age:
        return RuleDecision.allow()
    hours = max_age.total_seconds() / 3600
    when = (
        "was never validated"
        if validated is None
        else (f"was last validated {validated:%Y-%m-%d %H:%M %Z}")
    )
    return RuleDecision.defer(
        DecisionCode.CONTACT_NOT_VALIDATED,
        f"{candidate.address} {when}; it must be validated against the EHR within "
        f"{hours:g} hours before sending",
        now + policy.contact_validation_recheck,
    )
