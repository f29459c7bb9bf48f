"""Who may be offered an opening: every matching rule and option, table-driven (WL-18, WL-20,
WL-23, WL-24, WL-25), plus a property over all pairs of start times for WL-20."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.org_settings import WaitlistSettings
from domain.waitlist import EntryStatus, Ineligible, OfferState, PastOffer, ineligibility
from tests.domain.waitlist.builders import NOW, candidate, slot

DEFAULT = WaitlistSettings()
TOMORROW = NOW + timedelta(days=1)


def why(settings: WaitlistSettings = DEFAULT, *, offered: frozenset[str] = frozenset(),
        excluded: frozenset[str] = frozenset(), slot_fields: dict[str, Any] | None = None,
        **candidate_fields: Any) -> Ineligible | None:
    return ineligibility(
        candidate(**candidate_fields), slot(**(slot_fields or {})), settings=settings, now=NOW,
        offered_entry_ids=offered, excluded_patient_ids=excluded,
    )


def past(state: OfferState, *, minutes_apart: int, responded_days_ago: float | None = None,
         slot_id: str = "OTHER") -> PastOffer:
    responded = None if responded_days_ago is None else NOW - timedelta(days=responded_days_ago)
    return PastOffer(slot_id, TOMORROW + timedelta(minutes=minutes_apart), state, responded)


def test_a_matching_active_entry_is_eligible() -> None:
    assert why() is None


@pytest.mark.parametrize(
    ("settings", "slot_fields", "expected"),
    [
        # WL-23 default: provider and facility must both match the patient's appointment.
        (DEFAULT, {"provider_id": "PRV2"}, Ineligible.PROVIDER),
        (DEFAULT, {"facility_id": "FAC2"}, Ineligible.FACILITY),
        # WL-23 off, WL-24 degree "none": any provider and facility.
        (WaitlistSettings(match_provider_and_facility=False), {"provider_id": "PRV2"}, None),
        (WaitlistSettings(match_provider_and_facility=False), {"facility_id": "FAC2"}, None),
        # WL-24 degree "facility": same facility, any provider.
        (WaitlistSettings(match_provider_and_facility=False, relaxed_match="facility"),
         {"provider_id": "PRV2"}, None),
        (WaitlistSettings(match_provider_and_facility=False, relaxed_match="facility"),
         {"facility_id": "FAC2"}, Ineligible.FACILITY),
        # WL-24 degree "provider": same provider, any facility.
        (WaitlistSettings(match_provider_and_facility=False, relaxed_match="provider"),
         {"facility_id": "FAC2"}, None),
        (WaitlistSettings(match_provider_and_facility=False, relaxed_match="provider"),
         {"provider_id": "PRV2"}, Ineligible.PROVIDER),
        # WL-25 default: the type need not match; with the option it must.
        (DEFAULT, {"type_id": "TYPE2"}, None),
        (WaitlistSettings(match_type=True), {"type_id": "TYPE2"}, Ineligible.TYPE),
        (WaitlistSettings(match_type=True), {"type_id": None}, Ineligible.TYPE),
        (WaitlistSettings(match_type=True), {"type_id": "TYPE1"}, None),
    ],
)
def test_matching_options(settings: WaitlistSettings, slot_fields: dict[str, Any],
                          expected: Ineligible | None) -> None:
    assert why(settings, slot_fields=slot_fields) is expected


def test_an_entry_waiting_for_any_provider_matches_every_provider() -> None:
    assert why(provider_id=None, slot_fields={"provider_id": "PRV9"}) is None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"status": EntryStatus.REMOVED}, Ineligible.INACTIVE),
        ({"status": EntryStatus.BOOKED}, Ineligible.INACTIVE),
        ({"status": EntryStatus.INCOMPLETE}, Ineligible.INACTIVE),
        ({"expires_at": NOW}, Ineligible.EXPIRED),
        ({"expires_at": NOW + timedelta(minutes=1)}, None),
        ({"reachable": False}, Ineligible.UNREACHABLE),
        ({"duration_minutes": 45}, Ineligible.TOO_SHORT),
        ({"duration_minutes": 30}, None),
        ({"current_start": TOMORROW}, Ineligible.NOT_EARLIER),
        ({"current_start": TOMORROW + timedelta(days=3)}, None),
    ],
)
def test_entry_rules(fields: dict[str, Any], expected: Ineligible | None) -> None:
    assert why(**fields) is expected


def test_the_patient_who_cancelled_is_not_offered_their_own_slot() -> None:
    assert why(excluded=frozenset({"P-E1"})) is Ineligible.OWN_CANCELLATION


def test_an_entry_is_offered_a_slot_once_per_pass() -> None:
    assert why(offered=frozenset({"E1"})) is Ineligible.ALREADY_OFFERED


@pytest.mark.parametrize(
    ("settings", "history", "expected"),
    [
        # WL-18: 7 days without offers after accepting one (booked or awaiting approval).
        (DEFAULT, (past(OfferState.BOOKED, minutes_apart=-5000, responded_days_ago=6.9),),
         Ineligible.COOLDOWN),
        (DEFAULT, (past(OfferState.ACCEPTED, minutes_apart=-5000, responded_days_ago=1),),
         Ineligible.COOLDOWN),
        (DEFAULT, (past(OfferState.BOOKED, minutes_apart=-5000, responded_days_ago=7),), None),
        (WaitlistSettings(cooldown_after_accept_days=2),
         (past(OfferState.BOOKED, minutes_apart=-5000, responded_days_ago=3),), None),
        (WaitlistSettings(cooldown_after_accept_days=None),
         (past(OfferState.BOOKED, minutes_apart=-5000, responded_days_ago=0.1),), None),
        # A declined or expired offer starts no cooldown.
        (DEFAULT, (past(OfferState.DECLINED, minutes_apart=-5000, responded_days_ago=1),), None),
        # WL-20: no offer within 92 minutes of an earlier offer's start (either side).
        (DEFAULT, (past(OfferState.EXPIRED, minutes_apart=91),), Ineligible.PROXIMITY),
        (DEFAULT, (past(OfferState.DECLINED, minutes_apart=-91),), Ineligible.PROXIMITY),
        (DEFAULT, (past(OfferState.EXPIRED, minutes_apart=92),), None),
        (WaitlistSettings(proximity_minutes=None), (past(OfferState.EXPIRED, minutes_apart=0),),
         None),
        (WaitlistSettings(proximity_minutes=30), (past(OfferState.EXPIRED, minutes_apart=45),),
         None),
        # The same slot offered before (second pass) is not "another" offer.
        (DEFAULT, (past(OfferState.EXPIRED, minutes_apart=0, slot_id="SLOT1"),), None),
    ],
)
def test_history_rules(settings: WaitlistSettings, history: tuple[PastOffer, ...],
                       expected: Ineligible | None) -> None:
    assert why(settings, history=history) is expected


@given(st.integers(min_value=-3000, max_value=3000), st.integers(min_value=0, max_value=600))
def test_proximity_blocks_exactly_the_starts_closer_than_the_limit(
    apart: int, limit: int
) -> None:
    settings = WaitlistSettings(proximity_minutes=limit)
    found = why(settings, history=(past(OfferState.EXPIRED, minutes_apart=apart),))
    assert (found is Ineligible.PROXIMITY) == (abs(apart) < limit)
