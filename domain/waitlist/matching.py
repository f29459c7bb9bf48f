"""Who may be offered an opening: every WL matching rule, each with its own reason.

Spec: WL-18 (no offer for 7 days after accepting one), WL-20 (no offer for an opening starting
within 92 minutes of an earlier offer's start), WL-23 (same provider and facility as the
patient's appointment by default), WL-24 (a configurable, looser match), WL-25 (same type,
optional), plus the plain sense of a waitlist: the opening must be long enough and earlier
than the visit the patient already has, and it is never offered back to the patient whose
cancellation freed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.model import OpenSlot
from domain.org_settings import WaitlistSettings
from domain.waitlist.model import OfferState, WaitlistEntry

__all__ = ["Candidate", "Ineligible", "PastOffer", "ineligibility"]


class Ineligible(StrEnum):
    """Why an entry is not offered an opening (shown in the dashboard and the logs)."""

    INACTIVE = "inactive"
    EXPIRED = "expired"
    OWN_CANCELLATION = "own_cancellation"
    ALREADY_OFFERED = "already_offered"
    PROVIDER = "provider_mismatch"
    FACILITY = "facility_mismatch"
    TYPE = "type_mismatch"
    TOO_SHORT = "too_short"
    NOT_EARLIER = "not_earlier"
    COOLDOWN = "cooldown"
    PROXIMITY = "proximity"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class PastOffer:
    """An earlier offer to the same patient, as the rules need it."""

    slot_id: str
    slot_start: datetime
    state: OfferState
    responded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A waitlist entry with the facts the rules read.

    Attributes:
        entry: the entry.
        history: the patient's earlier offers (any slot, any entry).
        current_start: start of the patient's scheduled appointment the entry refers to, when
            it is still active (an opening must be earlier).
        reachable: the patient has an address offers can go to.
    """

    entry: WaitlistEntry
    history: tuple[PastOffer, ...] = ()
    current_start: datetime | None = None
    reachable: bool = True


def _place_mismatch(entry: WaitlistEntry, slot: OpenSlot,
                    settings: WaitlistSettings) -> Ineligible | None:
    strict = settings.match_provider_and_facility
    provider = strict or settings.relaxed_match == "provider"
    facility = strict or settings.relaxed_match == "facility"
    if provider and entry.provider_id is not None and slot.provider_id != entry.provider_id:
        return Ineligible.PROVIDER
    if facility and entry.facility_id is not None and slot.facility_id != entry.facility_id:
        return Ineligible.FACILITY
    return None


def _history_blocker(history: Iterable[PastOffer], slot: OpenSlot, now: datetime,
                     settings: WaitlistSettings) -> Ineligible | None:
    cooldown = settings.cooldown_after_accept_days
    proximity = settings.proximity_minutes
    for past in history:
        if past.slot_id == slot.id:
            continue
        if (cooldown and past.state in (OfferState.ACCEPTED, OfferState.BOOKED)
                and past.responded_at is not None
                and now < past.responded_at + timedelta(days=cooldown)):
            return Ineligible.COOLDOWN
        if proximity is not None and abs(past.slot_start - slot.start) < timedelta(
            minutes=proximity
        ):
            return Ineligible.PROXIMITY
    return None


def ineligibility(
    candidate: Candidate,
    slot: OpenSlot,
    *,
    settings: WaitlistSettings,
    now: datetime,
    offered_entry_ids: frozenset[str] = frozenset(),
    excluded_patient_ids: frozenset[str] = frozenset(),
) -> Ineligible | None:
    """Why ``candidate`` may not be offered ``slot`` now, or None when it may.

    Args:
        candidate: the entry and its patient's offer history.
        slot: the opening.
        settings: the organisation's waitlist settings.
        now: the current time.
        offered_entry_ids: entries already offered this slot in the current pass.
        excluded_patient_ids: patients never offered this slot (whoever cancelled it).
    """
    entry = candidate.entry
    if not entry.active:
        return Ineligible.INACTIVE
    if entry.expires_at is not None and entry.expires_at <= now:
        return Ineligible.EXPIRED
    if entry.patient_id in excluded_patient_ids:
        return Ineligible.OWN_CANCELLATION
    if entry.id in offered_entry_ids:
        return Ineligible.ALREADY_OFFERED
    if not candidate.reachable:
        return Ineligible.UNREACHABLE
    mismatch = _place_mismatch(entry, slot, settings)
    if mismatch is not None:
        return mismatch
    if settings.match_type and slot.type_id != entry.type_id:
        return Ineligible.TYPE
    if slot.duration_minutes < entry.duration_minutes:
        return Ineligible.TOO_SHORT
    if candidate.current_start is not None and slot.start >= candidate.current_start:
        return Ineligible.NOT_EARLIER
    return _history_blocker(candidate.history, slot, now, settings)
