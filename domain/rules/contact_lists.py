"""The organisation's contact lists: blocked contacts and limited-contacts test mode.

Spec: REM-35 (numbers and emails on the blocked-contacts list are never messaged, e.g. a
staff phone in a test account), REM-34 (with limited contacts on, only the listed numbers and
emails may be contacted -- a test account's safety net), cross-cutting "Do Not Contact and
opt-out" (separate lists). Both apply to every kind of message, transactional included.
"""

from __future__ import annotations

from datetime import datetime

from domain.rules.decision import DecisionCode, RuleDecision
from domain.rules.inputs import Candidate, DeliveryPolicy

__all__ = ["check_blocked_contacts", "check_limited_contacts"]


def check_blocked_contacts(
    candidate: Candidate, policy: DeliveryPolicy, now: datetime
) -> RuleDecision:
    """Block a message to an address on the blocked-contacts list (REM-35)."""
    if candidate.address in policy.blocked_contacts:
        return RuleDecision.block(
            DecisionCode.BLOCKED_CONTACT,
            f"{candidate.address} is on the organisation's blocked contacts list",
        )
    return RuleDecision.allow()


def check_limited_contacts(
    candidate: Candidate, policy: DeliveryPolicy, now: datetime
) -> RuleDecision:
    """In limited-contacts mode, block every address that is not listed (REM-34)."""
    if policy.limited_contacts_only and candidate.address not in policy.limited_contacts:
        return RuleDecision.block(
            DecisionCode.NOT_IN_LIMITED_CONTACTS,
            f"limited contacts mode is on and {candidate.address} is not a listed contact",
        )
    return RuleDecision.allow()
