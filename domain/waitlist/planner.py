"""Who is offered an opening next, and when a second pass starts.

Spec: WL-05 (offers to every eligible patient at once by default; optionally one at a time,
each answering before the next is asked), WL-26 (longest-waiting first by default, or most
recently added first), WL-32 (one more try before the appointment time when every attempt
failed, optional).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.model import OpenSlot
from domain.org_settings import WaitlistSettings
from domain.waitlist.matching import Candidate, Ineligible, ineligibility
from domain.waitlist.model import Offer, OfferState

__all__ = ["Plan", "plan_offers", "rank", "second_pass_at", "second_pass_due"]

# A second pass asks again whoever did not answer; those who said no, lost the race or were
# turned down by staff are not asked about the same opening twice.
_FINAL_FOR_SLOT = frozenset({
    OfferState.DECLINED, OfferState.TAKEN, OfferState.REJECTED, OfferState.FAILED,
    OfferState.BOOKED, OfferState.ACCEPTED,
})


@dataclass(frozen=True, slots=True)
class Plan:
    """The entries to offer now, best first, and why the others were left out."""

    offer_to: tuple[Candidate, ...]
    skipped: dict[str, Ineligible]
    """Entry id → reason, for every candidate not offered."""


def rank(candidates: Sequence[Candidate], settings: WaitlistSettings) -> list[Candidate]:
    """Candidates in offer order (WL-26); ties broken by entry id for a stable order."""
    newest_first = settings.priority == "most_recent"
    ordered = sorted(candidates, key=lambda c: c.entry.id)
    return sorted(ordered, key=lambda c: c.entry.added_at, reverse=newest_first)


def plan_offers(
    slot: OpenSlot,
    candidates: Sequence[Candidate],
    slot_offers: Sequence[Offer],
    *,
    settings: WaitlistSettings,
    now: datetime,
    pass_number: int = 1,
    excluded_patient_ids: frozenset[str] = frozenset(),
) -> Plan:
    """The entries to offer ``slot`` to now.

    Args:
        slot: the opening (already judged fillable, see ``triggers``).
        candidates: every active entry of the organisation, with history.
        slot_offers: the offers already made for this slot (every pass).
        settings: the organisation's waitlist settings.
        now: the current time.
        pass_number: 1, or 2 for the second pass (WL-32).
        excluded_patient_ids: patients never offered this slot.

    Returns:
        Nothing while an offer is outstanding in one-at-a-time mode or someone accepted;
        otherwise every eligible entry (simultaneous) or the first one (one at a time).
    """
    if any(o.state in (OfferState.ACCEPTED, OfferState.BOOKED) for o in slot_offers):
        return Plan((), {})
    outstanding = any(o.state.outstanding for o in slot_offers)
    if outstanding and settings.offer_mode == "one_at_a_time":
        return Plan((), {})
    done = {o.entry_id for o in slot_offers if o.pass_number == pass_number}
    done |= {o.entry_id for o in slot_offers if o.state in _FINAL_FOR_SLOT}
    chosen: list[Candidate] = []
    skipped: dict[str, Ineligible] = {}
    for candidate in rank(candidates, settings):
        reason = ineligibility(
            candidate, slot, settings=settings, now=now,
            offered_entry_ids=frozenset(done), excluded_patient_ids=excluded_patient_ids,
        )
        if reason is not None:
            skipped[candidate.entry.id] = reason
        else:
            chosen.append(candidate)
    if settings.offer_mode == "one_at_a_time":
        chosen = chosen[:1]
    return Plan(_one_per_patient(chosen), skipped)


def _one_per_patient(chosen: list[Candidate]) -> tuple[Candidate, ...]:
    """A patient with several entries gets the opening once, for their first-ranked entry."""
    seen: set[str] = set()
    kept = []
    for candidate in chosen:
        if candidate.entry.patient_id not in seen:
            seen.add(candidate.entry.patient_id)
            kept.append(candidate)
    return tuple(kept)


def second_pass_at(slot: OpenSlot, settings: WaitlistSettings) -> datetime:
    """When the second pass for ``slot`` may start (WL-32)."""
    return slot.start - timedelta(minutes=settings.second_pass_minutes_before)


def second_pass_due(
    slot: OpenSlot, slot_offers: Sequence[Offer], *, settings: WaitlistSettings, now: datetime,
    first_pass_exhausted: bool,
) -> bool:
    """Whether to start the second pass for ``slot`` now (WL-32).

    True when the option is on, the first pass offered the slot to someone and has no one left
    to ask, nothing is outstanding, no second pass ran yet, and the time has come (but the
    appointment has not started).
    """
    if not settings.second_pass or not first_pass_exhausted or not slot_offers:
        return False
    if any(o.state.outstanding or o.state is OfferState.BOOKED for o in slot_offers):
        return False
    if any(o.pass_number >= 2 for o in slot_offers):
        return False
    return second_pass_at(slot, settings) <= now < slot.start
