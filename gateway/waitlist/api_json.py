"""JSON shapes of the waitlist API (routes listed in ``gateway/waitlist/README.md``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.model import OpenSlot
from domain.waitlist import Offer, WaitlistEntry
from gateway.waitlist.reschedule_store import RescheduleSession

__all__ = ["entry_json", "offer_json", "session_json", "slot_json"]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def entry_json(entry: WaitlistEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "patient_id": entry.patient_id,
        "facility_id": entry.facility_id,
        "provider_id": entry.provider_id,
        "type_id": entry.type_id,
        "appointment_id": entry.appointment_id,
        "duration_minutes": entry.duration_minutes,
        "source": entry.source.value,
        "status": entry.status.value,
        "note": entry.note,
        "added_at": _iso(entry.added_at),
        "expires_at": _iso(entry.expires_at),
        "unaccepted_offers": entry.unaccepted_offers,
        "last_offer_at": _iso(entry.last_offer_at),
        "removed_at": _iso(entry.removed_at),
        "removed_reason": entry.removed_reason,
    }


def offer_json(offer: Offer, now: datetime) -> dict[str, Any]:
    return {
        "id": offer.id,
        "slot_id": offer.slot_id,
        "entry_id": offer.entry_id,
        "patient_id": offer.patient_id,
        "state": offer.state.value,
        "pass": offer.pass_number,
        "slot_start": _iso(offer.slot_start),
        "sent_at": _iso(offer.send_at),
        "expires_at": _iso(offer.expires_at),
        "seconds_left": offer.seconds_left(now),
        "responded_at": _iso(offer.responded_at),
        "decided_at": _iso(offer.decided_at),
        "decided_by": offer.decided_by,
        "appointment_id": offer.appointment_id,
        "reason": offer.reason,
        "conversation_id": offer.conversation_id,
    }


def slot_json(slot: OpenSlot) -> dict[str, Any]:
    return {
        "id": slot.id,
        "facility_id": slot.facility_id,
        "provider_id": slot.provider_id,
        "type_id": slot.type_id,
        "start": _iso(slot.start),
        "duration_minutes": slot.duration_minutes,
        "source": slot.source,
        "cancelled_appointment_id": slot.cancelled_appointment_id,
        "double_booked": slot.double_booked,
        "state": slot.state,
    }


def session_json(session: RescheduleSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "appointment_id": session.appointment_id,
        "patient_id": session.patient_id,
        "state": session.state.value,
        "restarts": session.restarts,
        "options": list(session.options),
        "chosen_slot_id": session.chosen_slot_id,
        "new_appointment_id": session.new_appointment_id,
        "created_at": _iso(session.created_at),
        "expires_at": _iso(session.expires_at),
    }
