"""All delivery rules for one outbound message, in a fixed order, at send time.

The dispatcher calls :func:`evaluate` for every outbox row it claims, however long ago the
row was planned. Order (the first block wins):

1. Hard blocks -- the message must never go:
   Do Not Contact (REM-36, REM-39), blocked contacts (REM-35), limited contacts (REM-34),
   contact method not enabled (REM-28), inactive contact entry (REM-32), invalid address or
   SMS to a landline, content policy ("Message Content Policy"), blackout (REM-13).
2. Too late -- a reminder or waitlist offer whose appointment has started is blocked.
3. Deferrals -- the message waits; the time returned satisfies all of them at once:
   the custom-action edit guard (CUS-06) and contact validation (HUB-21) give "not before"
   times; from the latest of these (or now) the send window (REM-09/10/11/12/52, CUS-06,
   "Quiet hours", "Holidays", "Sundays") finds the next allowed local time. A reminder or
   waitlist offer that would have to wait until its appointment starts is blocked instead
   ("move earlier, else skip": earlier is no longer possible at send time, REM-11).

Transactional messages (staff replies in an open conversation, opt-out confirmations) skip
the time rules, blackout, contact validation and the money wording rule -- a reply to a
patient who just wrote is expected at any hour -- but never Do Not Contact: the only message
that reaches a listed address is the single confirmation of the patient's own stop request
(see ``do_not_contact``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from domain.errors import ValidationError
from domain.rules._local_time import to_utc
from domain.rules.blackout import check_blackout
from domain.rules.contact_lists import check_blocked_contacts, check_limited_contacts
from domain.rules.contact_methods import (
    check_contact_status,
    check_inactive_method,
    check_method_enabled,
)
from domain.rules.contact_validation import check_contact_validation
from domain.rules.content_policy import check_content
from domain.rules.decision import DecisionCode, RuleDecision
from domain.rules.do_not_contact import check_do_not_contact
from domain.rules.edit_guard import check_edit_guard
from domain.rules.inputs import Candidate, DeliveryPolicy, MessageKind
from domain.rules.send_window import check_send_window, describe_local

__all__ = ["HARD_BLOCKS", "NOT_BEFORE_RULES", "Rule", "evaluate"]

Rule = Callable[[Candidate, DeliveryPolicy, datetime], RuleDecision]

HARD_BLOCKS: tuple[Rule, ...] = (
    check_do_not_contact,
    check_blocked_contacts,
    check_limited_contacts,
    check_method_enabled,
    check_inactive_method,
    check_contact_status,
    check_content,
    check_blackout,
)
NOT_BEFORE_RULES: tuple[Rule, ...] = (check_edit_guard, check_contact_validation)
_APPOINTMENT_BOUND = frozenset({MessageKind.REMINDER, MessageKind.WAITLIST})


def evaluate(candidate: Candidate, policy: DeliveryPolicy, now: datetime) -> RuleDecision:
    """Decide whether ``candidate`` may be sent at ``now``.

    Args:
        candidate: the facts about the message.
        policy: the organisation's delivery policy.
        now: the current time (aware), from the injectable clock.

    Returns:
        The first hard block; else a deferral to the earliest time that satisfies every
        time rule (code of the rule that set that time, reasons of all that apply); else
        allowed. A deferral's time is ``>= now`` and inside the allowed send window.

    Raises:
        ValidationError: ``now`` is naive.
    """
    if now.utcoffset() is None:
        raise ValidationError("now", "must carry a time zone")
    now = to_utc(now)
    for rule in HARD_BLOCKS:
        decision = rule(candidate, policy, now)
        if not decision.allowed:
            return decision
    deadline = candidate.appointment_start if candidate.kind in _APPOINTMENT_BOUND else None
    if deadline is not None and now >= deadline:
        return RuleDecision.block(
            DecisionCode.TOO_LATE_FOR_APPOINTMENT,
            f"the appointment started at {describe_local(deadline, candidate.zone)}",
        )
    waits = [d for d in (rule(candidate, policy, now) for rule in NOT_BEFORE_RULES) if d.deferred]
    earliest = max([now, *(d.deferred_until for d in waits if d.deferred_until is not None)])
    window = check_send_window(candidate, policy, earliest)
    if window.blocked:
        return window
    if not waits and window.allowed:
        return RuleDecision.allow()
    deferrals = (
        [window, *waits]
        if window.deferred
        else sorted(waits, key=lambda d: d.deferred_until or now, reverse=True)
    )
    until = window.deferred_until if window.deferred_until is not None else earliest
    reason = "; ".join(d.reason for d in deferrals)
    if deadline is not None and until >= deadline:
        return RuleDecision.block(
            DecisionCode.TOO_LATE_FOR_APPOINTMENT,
            f"{reason}; that is not before the appointment at "
            f"{describe_local(deadline, candidate.zone)}",
        )
    return RuleDecision.defer(deferrals[0].code, reason, until)
