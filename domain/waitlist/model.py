"""Waitlist entries and offers: plain, validated values (WL-10..WL-17, WL-02, WL-07)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from domain.errors import ValidationError

__all__ = ["EntrySource", "EntryStatus", "Offer", "OfferState", "WaitlistEntry"]


class EntryStatus(StrEnum):
    """Where an entry stands. Only ``active`` entries receive offers."""

    ACTIVE = "active"
    BOOKED = "booked"
    """The patient accepted an offer (WL-17: removed on accepting)."""
    REMOVED = "removed"
    """Staff removed it, or the patient replied LEAVEWAITLIST (WL-14..WL-16)."""
    INCOMPLETE = "incomplete"
    """Too many offers went unaccepted (WL-17)."""
    EXPIRED = "expired"
    """A self-added entry reached its time limit (WL-17, 30 days by default)."""


class EntrySource(StrEnum):
    """How the patient got on the list."""

    STAFF = "staff"
    API = "api"
    CSV = "csv"
    INVITE = "invite"
    """The patient said YES to an invitation after cancelling (WL-13)."""
    SCHEDULED = "scheduled"
    """The patient said YES to an invitation based on a booked appointment (WL-31)."""

    @property
    def self_added(self) -> bool:
        return self in (EntrySource.INVITE, EntrySource.SCHEDULED)


@dataclass(frozen=True, slots=True, kw_only=True)
class WaitlistEntry:
    """A patient waiting for an earlier visit.

    ``facility_id``/``provider_id``/``type_id`` describe what they wait for (usually copied
    from ``appointment_id``, their currently scheduled visit); None means "any".
    """

    id: str
    org_id: str
    patient_id: str
    added_at: datetime
    updated_at: datetime
    facility_id: str | None = None
    provider_id: str | None = None
    type_id: str | None = None
    appointment_id: str | None = None
    duration_minutes: int = 30
    source: EntrySource = EntrySource.STAFF
    status: EntryStatus = EntryStatus.ACTIVE
    note: str = ""
    expires_at: datetime | None = None
    unaccepted_offers: int = 0
    last_offer_at: datetime | None = None
    last_accepted_at: datetime | None = None
    removed_at: datetime | None = None
    removed_reason: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "source", EntrySource(self.source))
        object.__setattr__(self, "status", EntryStatus(self.status))
        for name in ("added_at", "updated_at", "expires_at", "last_offer_at",
                     "last_accepted_at", "removed_at"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValidationError(f"entry.{name}", "must have a time zone")
        if not 5 <= self.duration_minutes <= 720:
            raise ValidationError("entry.duration_minutes", "must be between 5 and 720")
        if len(self.note) > 500:
            raise ValidationError("entry.note", "is longer than 500 characters")

    @property
    def active(self) -> bool:
        return self.status is EntryStatus.ACTIVE


class OfferState(StrEnum):
    """The life of one offer (see :mod:`domain.waitlist.offer_lifecycle`)."""

    OFFERED = "offered"
    ACCEPTED = "accepted"
    """The patient said YES first; waiting for staff approval (WL-27)."""
    BOOKED = "booked"
    DECLINED = "declined"
    EXPIRED = "expired"
    TAKEN = "taken"
    """The patient said YES after someone else had the slot."""
    REJECTED = "rejected"
    """Staff did not approve the acceptance."""
    FAILED = "failed"
    """Booking in the schedule failed."""
    WITHDRAWN = "withdrawn"
    """The slot was filled or withdrawn, or the patient left the waitlist, before an answer."""

    @property
    def outstanding(self) -> bool:
        """Still waiting for the patient or for staff."""
        return self in (OfferState.OFFERED, OfferState.ACCEPTED)


@dataclass(frozen=True, slots=True, kw_only=True)
class Offer:
    """One opening offered to one waitlisted patient."""

    id: str
    org_id: str
    slot_id: str
    entry_id: str
    patient_id: str
    address: str
    created_at: datetime
    send_at: datetime
    expires_at: datetime
    slot_start: datetime
    state: OfferState = OfferState.OFFERED
    pass_number: int = 1
    conversation_id: str | None = None
    prompt_id: str | None = None
    responded_at: datetime | None = None
    decided_at: datetime | None = None
    decided_by: str | None = None
    appointment_id: str | None = None
    """The appointment booked from this offer."""
    reason: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "state", OfferState(self.state))
        if self.expires_at <= self.send_at:
            raise ValidationError("offer.expires_at", "must be after the send time")

    def seconds_left(self, now: datetime) -> int:
        """Seconds the patient still has to answer (0 once expired or answered)."""
        if self.state is not OfferState.OFFERED:
            return 0
        return max(0, int((self.expires_at - max(now, self.send_at)).total_seconds()))
