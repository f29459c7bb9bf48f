"""Joining and leaving the list: defaults for new entries and the automatic removals.

Spec: WL-17 (removed after 30 unaccepted offers and marked Incomplete; removed on accepting;
a self-added patient is removed after 30 days), WL-28 (default duration of new entries),
WL-29 (only patients with a future appointment may be added, optional).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.errors import ValidationError
from domain.org_settings import WaitlistSettings
from domain.waitlist.model import EntrySource, EntryStatus, WaitlistEntry

__all__ = [
    "check_can_join",
    "default_expiry",
    "expiry_due",
    "on_accepted",
    "on_offer_unanswered",
    "remove",
]


def check_can_join(*, has_future_appointment: bool, settings: WaitlistSettings) -> None:
    """Raise unless the patient may be added (WL-29).

    Raises:
        ValidationError: ``patient_id``: a future appointment is required and there is none.
    """
    if settings.require_future_appointment and not has_future_appointment:
        raise ValidationError(
            "patient_id", "only patients with a future appointment can join the waitlist"
        )


def default_expiry(
    source: EntrySource, added_at: datetime, settings: WaitlistSettings
) -> datetime | None:
    """When a new entry leaves the list by itself: self-added entries after
    ``max_days_on_list`` days (WL-17); staff-added ones stay until removed."""
    if source.self_added:
        return added_at + timedelta(days=settings.max_days_on_list)
    return None


def expiry_due(entry: WaitlistEntry, now: datetime) -> bool:
    """The entry is active and its time on the list is over."""
    return entry.active and entry.expires_at is not None and entry.expires_at <= now


def remove(entry: WaitlistEntry, now: datetime, status: EntryStatus, reason: str) -> WaitlistEntry:
    """The entry taken off the list with ``status`` (removed, expired, incomplete, booked)."""
    if status is EntryStatus.ACTIVE:
        raise ValidationError("status", "removing needs a final status")
    return replace(entry, status=status, removed_at=now, removed_reason=reason, updated_at=now)


def on_offer_unanswered(
    entry: WaitlistEntry, now: datetime, settings: WaitlistSettings
) -> WaitlistEntry:
    """An offer to ``entry`` expired or was declined: count it; at ``max_unaccepted_offers``
    the entry is removed and marked incomplete (WL-17)."""
    counted = replace(entry, unaccepted_offers=entry.unaccepted_offers + 1, updated_at=now)
    if counted.active and counted.unaccepted_offers >= settings.max_unaccepted_offers:
        return remove(counted, now, EntryStatus.INCOMPLETE, "too many unaccepted offers")
    return counted


def on_accepted(entry: WaitlistEntry, now: datetime) -> WaitlistEntry:
    """The patient accepted an offer: off the list (WL-17), and the cooldown starts (WL-18)."""
    accepted = replace(entry, last_accepted_at=now, updated_at=now)
    if not accepted.active:
        return accepted
    return remove(accepted, now, EntryStatus.BOOKED, "accepted an offer")
