"""Small values for the waitlist rule tests: one clinic, entries and openings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.model import OpenSlot
from domain.waitlist import Candidate, Offer, OfferState, PastOffer, WaitlistEntry

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # Wednesday, 09:00 in Chicago


def slot(slot_id: str = "SLOT1", *, start: datetime | None = None, **fields: Any) -> OpenSlot:
    """An opening tomorrow at the same time, 30 minutes, provider PRV1 at FAC1."""
    values: dict[str, Any] = {
        "id": slot_id, "org_id": "ORG1", "facility_id": "FAC1", "provider_id": "PRV1",
        "type_id": "TYPE1", "start": start or NOW + timedelta(days=1), "duration_minutes": 30,
        "source": "cancellation", "created_at": NOW,
    }
    values.update(fields)
    return OpenSlot(**values)


def entry(entry_id: str = "E1", *, patient_id: str | None = None, **fields: Any) -> WaitlistEntry:
    """An active entry waiting for PRV1 at FAC1, type TYPE1, added ten days ago."""
    values: dict[str, Any] = {
        "id": entry_id, "org_id": "ORG1", "patient_id": patient_id or f"P-{entry_id}",
        "facility_id": "FAC1", "provider_id": "PRV1", "type_id": "TYPE1",
        "added_at": NOW - timedelta(days=10), "updated_at": NOW - timedelta(days=10),
    }
    values.update(fields)
    return WaitlistEntry(**values)


def candidate(entry_id: str = "E1", *, history: tuple[PastOffer, ...] = (),
              current_start: datetime | None = None, reachable: bool = True,
              **fields: Any) -> Candidate:
    return Candidate(entry(entry_id, **fields), history, current_start, reachable)


def offer(offer_id: str = "O1", *, entry_id: str = "E1", slot_id: str = "SLOT1",
          state: OfferState = OfferState.OFFERED, pass_number: int = 1, **fields: Any) -> Offer:
    values: dict[str, Any] = {
        "id": offer_id, "org_id": "ORG1", "slot_id": slot_id, "entry_id": entry_id,
        "patient_id": f"P-{entry_id}", "address": "+13125550142", "created_at": NOW,
        "send_at": NOW, "expires_at": NOW + timedelta(minutes=30),
        "slot_start": NOW + timedelta(days=1), "state": state, "pass_number": pass_number,
    }
    values.update(fields)
    return Offer(**values)
