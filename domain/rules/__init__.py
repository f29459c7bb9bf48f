"""Delivery rules: pure functions deciding whether, and when, an outbound message may go.

Start with :func:`evaluate` (all rules, in order); each rule module documents its spec rows.
The reminder planner reuses :func:`resolve_time_rules`, :func:`defer_to_allowed` and
:func:`move_earlier_for_appointment`; the opt-out flow the ``do_not_contact`` helpers.
"""

from __future__ import annotations

from domain.rules.content_policy import ContentClass, ContentFinding, find_prohibited
from domain.rules.decision import DecisionCode, Outcome, RuleDecision
from domain.rules.do_not_contact import (
    is_listed,
    opt_in,
    opt_out,
    opted_out_from,
    staff_add,
    staff_remove,
)
from domain.rules.errors import DncRemovalNotAllowed
from domain.rules.evaluate import evaluate
from domain.rules.inputs import (
    Candidate,
    Channel,
    ContactStatus,
    DeliveryPolicy,
    DncEntry,
    DncSource,
    HolidayCalendar,
    MessageKind,
    PriorMessage,
    QuietHours,
    TemplateWindow,
    TimeWindow,
    normalize_address,
)
from domain.rules.send_window import (
    SendWindowRules,
    defer_to_allowed,
    is_allowed,
    move_earlier_for_appointment,
    resolve_time_rules,
)

__all__ = [
    "Candidate",
    "Channel",
    "ContactStatus",
    "ContentClass",
    "ContentFinding",
    "DecisionCode",
    "DeliveryPolicy",
    "DncEntry",
    "DncRemovalNotAllowed",
    "DncSource",
    "HolidayCalendar",
    "MessageKind",
    "Outcome",
    "PriorMessage",
    "QuietHours",
    "RuleDecision",
    "SendWindowRules",
    "TemplateWindow",
    "TimeWindow",
    "defer_to_allowed",
    "evaluate",
    "find_prohibited",
    "is_allowed",
    "is_listed",
    "move_earlier_for_appointment",
    "normalize_address",
    "opt_in",
    "opt_out",
    "opted_out_from",
    "resolve_time_rules",
    "staff_add",
    "staff_remove",
]
