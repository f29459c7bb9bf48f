"""Smart waitlist and reschedule settings (WL and RSC rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from typing import Literal

from domain.errors import ValidationError

__all__ = ["RescheduleSettings", "WaitlistSettings"]


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitlistSettings:
    enabled: bool = True
    offer_mode: Literal["simultaneous", "one_at_a_time"] = "simultaneous"
    """WL-05."""
    priority: Literal["longest_waiting", "most_recent"] = "longest_waiting"
    """WL-26."""
    offer_expiry_minutes: int = 30
    """WL-09."""
    cooldown_after_accept_days: int | None = 7
    """WL-18; None removes the cooldown."""
    proximity_minutes: int | None = 92
    """WL-20; None lifts the limit."""
    min_lead_minutes: int = 120
    """WL-21: only cancellations at least this long before the appointment trigger offers."""
    max_days_ahead: int = 30
    """WL-21: and at most this many days ahead (not stated by the spec; our default)."""
    match_provider_and_facility: bool = True
    """WL-23."""
    relaxed_match: Literal["none", "facility", "provider"] = "none"
    """WL-24, with ``match_provider_and_facility`` off: what must still match the patient's
    appointment (``facility``: same facility, any provider; ``provider``: same provider, any
    facility; ``none``: any opening)."""
    match_type: bool = False
    """WL-25."""
    require_approval: bool = True
    """WL-27."""
    cancel_later_appointment: bool = True
    """WL-30."""
    second_pass: bool = False
    """WL-32."""
    second_pass_minutes_before: int = 180
    invite_on_cancel: Literal["both", "reminder", "ehr", "never"] = "both"
    """WL-13."""
    invite_on_scheduled: bool = False
    """WL-31."""
    default_duration_minutes: int = 30
    """WL-28."""
    require_future_appointment: bool = False
    """WL-29."""
    confirm_on_join: bool = True
    """WL-33."""
    invite_expiry_hours: int = 24
    """How long a waitlist invitation (WL-13, WL-31) waits for the patient's YES."""
    invite_lead_days: int = 14
    """WL-31: patients whose appointment is at least this many days away are invited."""
    max_days_on_list: int = 30
    """WL-17."""
    max_unaccepted_offers: int = 30
    """WL-17."""
    refill_double_booked: bool = True
    """WL-08."""
    send_mode: Literal["immediately", "after_business_hours", "fixed_time"] = "immediately"
    """WL-19."""
    weekday_time: time = time(8, 0)
    weekend_time: time = time(10, 0)
    business_hours_end: time = time(17, 0)
    weekends: bool = True
    """WL-22: set False for no weekend offers."""

    def __post_init__(self) -> None:
        for name in (
            "offer_expiry_minutes",
            "min_lead_minutes",
            "max_days_ahead",
            "default_duration_minutes",
            "max_days_on_list",
            "max_unaccepted_offers",
            "second_pass_minutes_before",
            "invite_expiry_hours",
            "invite_lead_days",
        ):
            if getattr(self, name) <= 0:
                raise ValidationError(name, "must be greater than zero")
        for name in ("cooldown_after_accept_days", "proximity_minutes"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValidationError(name, "must not be negative")


@dataclass(frozen=True, slots=True, kw_only=True)
class RescheduleSettings:
    enabled: bool = True
    max_options: int = 3
    """RSC-01."""
    interval_minutes: int = 60
    """RSC-12: minimum gap between offered start times."""
    max_restarts: int = 3
    """RSC-02."""
    type_only: bool = False
    """RSC-16."""
    allow_untyped_openings: bool = False
    """RSC-10."""
    only_cancellation_openings: bool = False
    """RSC-14."""
    offer_expiry_minutes: int = 120
    """RSC-11."""
    days_visible: int = 21
    """RSC-09."""
    send_link_instead: bool = False
    """RSC-07."""
    link_single_use: bool = True
    """RSC-08."""
    link_expiry_hours: int = 72
    min_lead_minutes: int = 120
    """Openings starting sooner than this are not offered (the patient needs time to come)."""
    verify_removal: bool = False
    """RSC-13: read the original back after rebooking and flag it for staff if still active."""

    def __post_init__(self) -> None:
        if not 1 <= self.max_options <= 9:
            raise ValidationError("max_options", "must be between 1 and 9")
        for name in (
            "interval_minutes",
            "offer_expiry_minutes",
            "days_visible",
            "link_expiry_hours",
            "min_lead_minutes",
        ):
            if getattr(self, name) <= 0:
                raise ValidationError(name, "must be greater than zero")
        if self.max_restarts < 0:
            raise ValidationError("max_restarts", "must not be negative")
