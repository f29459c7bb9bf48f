"""Contact-method rules: enabled methods, inactive contact entries, invalid addresses.

Spec: REM-28 (the organisation chooses its contact methods, by default SMS, voice and email;
a patient is contacted only through an enabled method), REM-32 (a profile can hold contact
entries that are inactive; by default they receive nothing -- the setting
``send_to_inactive_methods`` turns that on), cross-cutting "Contact-method rules" (carrier
lookup: a number marked invalid is not used, a landline gets calls but no SMS).

Choices: an address marked invalid is blocked on every channel (it reaches nobody); a
landline is blocked for SMS only, so voice reminders still reach it.
"""

from __future__ import annotations

from datetime import datetime

from domain.rules.decision import DecisionCode, RuleDecision
from domain.rules.inputs import Candidate, Channel, ContactStatus, DeliveryPolicy

__all__ = ["check_contact_status", "check_inactive_method", "check_method_enabled"]


def check_method_enabled(
    candidate: Candidate, policy: DeliveryPolicy, now: datetime
) -> RuleDecision:
    """Block a message on a contact method the organisation has not enabled (REM-28)."""
    if candidate.channel not in policy.enabled_methods:
        return RuleDecision.block(
            DecisionCode.METHOD_NOT_ENABLED,
            f"{candidate.channel.value} is not an enabled contact method for this organisation",
        )
    return RuleDecision.allow()


def check_inactive_method(
    candidate: Candidate, policy: DeliveryPolicy, now: datetime
) -> RuleDecision:
    """Block a message to a contact entry marked inactive, unless allowed (REM-32)."""
    if not candidate.contact_active and not policy.send_to_inactive_methods:
        return RuleDecision.block(
            DecisionCode.METHOD_INACTIVE,
            f"the patient's {candidate.channel.value} contact {candidate.address} is inactive",
        )
    return RuleDecision.allow()


def check_contact_status(
    candidate: Candidate, policy: DeliveryPolicy, now: datetime
) -> RuleDecision:
    """Block an invalid address, and SMS to a landline (carrier lookup)."""
    if candidate.contact_status is ContactStatus.INVALID:
        return RuleDecision.block(
            DecisionCode.CONTACT_INVALID, f"{candidate.address} is marked invalid"
        )
    if candidate.contact_status is ContactStatus.LANDLINE and candidate.channel is Channel.SMS:
        return RuleDecision.block(
            DecisionCode.SMS_TO_LANDLINE,
            f"{candidate.address} is a landline and cannot receive text messages",
        )
    return RuleDecision.allow()
