"""Custom actions wait after an edit (CUS-06 edit guard).

A custom action's message is not sent within ``policy.custom_edit_guard`` (default 1 hour)
of the action's last edit, giving staff time to notice a mistake -- unless the action skips
delivery rules. Other kinds are unaffected.
"""

from __future__ import annotations

from datetime import datetime

from domain.rules.decision import DecisionCode, RuleDecision
from domain.rules.inputs import Candidate, DeliveryPolicy, MessageKind

__all__ = ["check_edit_guard"]


def check_edit_guard(candidate: Candidate, policy: DeliveryPolicy, now: datetime) -> RuleDecision:
    """Defer a custom action's message until the edit guard after its last edit is over."""
    if (
        candidate.kind is not MessageKind.CUSTOM
        or candidate.skip_delivery_rules
        or candidate.edited_at is None
    ):
        return RuleDecision.allow()
    until = candidate.edited_at + policy.custom_edit_guard
    if now >= until:
        return RuleDecision.allow()
    minutes = policy.custom_edit_guard.total_seconds() / 60
    return RuleDecision.defer(
        DecisionCode.EDIT_GUARD,
        f"the custom action was edited at {candidate.edited_at:%Y-%m-%d %H:%M %Z}; its "
        f"messages wait {minutes:g} minutes after an edit",
        until,
    )
