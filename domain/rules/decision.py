"""The answer every delivery rule gives: allowed, blocked, or deferred until a time.

A decision carries a stable machine ``code`` (stored on the outbox row, counted in metrics,
mapped to UI labels) and a human-readable ``reason`` shown to staff next to the message
("Not sent: +1 202 555 0143 is on the Do Not Contact list").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from domain.errors import ValidationError

__all__ = ["DecisionCode", "Outcome", "RuleDecision"]


class Outcome(StrEnum):
    """What the dispatcher does with the message."""

    ALLOWED = "allowed"
    BLOCKED = "blocked"
    """Never send this message (the outbox row ends as not sent, with the reason)."""
    DEFERRED = "deferred"
    """Keep the row and re-check at ``deferred_until``."""


class DecisionCode(StrEnum):
    """Stable identifiers of decisions; never rename a value (they are stored)."""

    ALLOWED = "allowed"
    # hard blocks
    DO_NOT_CONTACT = "do_not_contact"
    BLOCKED_CONTACT = "blocked_contact"
    NOT_IN_LIMITED_CONTACTS = "not_in_limited_contacts"
    METHOD_NOT_ENABLED = "method_not_enabled"
    METHOD_INACTIVE = "method_inactive"
    CONTACT_INVALID = "contact_invalid"
    SMS_TO_LANDLINE = "sms_to_landline"
    CONTENT_PROMOTIONAL = "content_promotional"
    CONTENT_MONEY = "content_money"
    CONTENT_OFFENSIVE = "content_offensive"
    BLACKOUT = "blackout"
    # time rules: deferrals, or blocks when no acceptable time exists
    OUTSIDE_WORKING_HOURS = "outside_working_hours"
    QUIET_HOURS = "quiet_hours"
    HOLIDAY = "holiday"
    SUNDAY = "sunday"
    OUTSIDE_TEMPLATE_WINDOW = "outside_template_window"
    EDIT_GUARD = "edit_guard"
    CONTACT_NOT_VALIDATED = "contact_not_validated"
    NO_ALLOWED_TIME = "no_allowed_time"
    TOO_LATE_FOR_APPOINTMENT = "too_late_for_appointment"


@dataclass(frozen=True, slots=True)
class RuleDecision:
    """One rule's (or the whole evaluation's) verdict on one outbound message.

    Build it with :meth:`allow`, :meth:`block` or :meth:`defer`; ``deferred_until`` is an aware
    UTC datetime exactly when ``outcome`` is ``DEFERRED``.
    """

    outcome: Outcome
    code: DecisionCode
    reason: str
    deferred_until: datetime | None = None

    def __post_init__(self) -> None:
        if self.outcome is Outcome.DEFERRED:
            if self.deferred_until is None or self.deferred_until.utcoffset() is None:
                raise ValidationError("deferred_until", "a deferral needs an aware datetime")
            if self.deferred_until.tzinfo is not UTC:
                object.__setattr__(self, "deferred_until", self.deferred_until.astimezone(UTC))
        elif self.deferred_until is not None:
            raise ValidationError("deferred_until", "only a deferral carries a time")

    @classmethod
    def allow(cls) -> RuleDecision:
        """The message may go now (one shared, immutable instance: every rule says this for
        nearly every message)."""
        return _ALLOWED

    @classmethod
    def block(cls, code: DecisionCode, reason: str) -> RuleDecision:
        """The message must never be sent; ``reason`` says why, for staff."""
        return cls(Outcome.BLOCKED, code, reason)

    @classmethod
    def defer(cls, code: DecisionCode, reason: str, until: datetime) -> RuleDecision:
        """The message must wait until ``until`` (aware; stored in UTC) and be re-checked."""
        return cls(Outcome.DEFERRED, code, reason, until)

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED

    @property
    def blocked(self) -> bool:
        return self.outcome is Outcome.BLOCKED

    @property
    def deferred(self) -> bool:
        return self.outcome is Outcome.DEFERRED


_ALLOWED = RuleDecision(Outcome.ALLOWED, DecisionCode.ALLOWED, "")
