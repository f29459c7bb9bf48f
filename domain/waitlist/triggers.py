"""Whether an opening should be filled from the waitlist at all (WL-08, WL-21, switches).

Spec: WL-21 (only openings at least ``min_lead_minutes`` (120) ahead and at most
``max_days_ahead`` days ahead trigger offers), WL-08 (a double-booked slot that loses one
patient is refilled, unless turned off), the organisation's waitlist switch and the
per-resource switches (facility, provider, appointment type).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from domain.model import OpenSlot, SlotState
from domain.org_settings import WaitlistSettings

__all__ = ["NoFill", "fill_blocker"]


class NoFill(StrEnum):
    """Why an opening is not offered to the waitlist."""

    DISABLED = "waitlist_disabled"
    RESOURCE_OFF = "resource_switched_off"
    NOT_OPEN = "not_open"
    DOUBLE_BOOKED = "double_booked"
    TOO_SOON = "too_soon"
    TOO_FAR = "too_far"


def fill_blocker(
    slot: OpenSlot,
    now: datetime,
    settings: WaitlistSettings,
    *,
    resources_enabled: bool = True,
) -> NoFill | None:
    """Why ``slot`` should not be offered to the waitlist now, or None when it should.

    Args:
        slot: the opening.
        now: the current time (for a cancellation: when it was cancelled).
        settings: the organisation's waitlist settings.
        resources_enabled: the slot's facility, provider and type all have the waitlist on.
    """
    if not settings.enabled:
        return NoFill.DISABLED
    if not resources_enabled:
        return NoFill.RESOURCE_OFF
    if slot.state not in (SlotState.OPEN, SlotState.OFFERED):
        return NoFill.NOT_OPEN
    if slot.double_booked and not settings.refill_double_booked:
        return NoFill.DOUBLE_BOOKED
    lead = slot.start - now
    if lead < timedelta(minutes=settings.min_lead_minutes):
        return NoFill.TOO_SOON
    if lead > timedelta(days=settings.max_days_ahead):
        return NoFill.TOO_FAR
    return None
