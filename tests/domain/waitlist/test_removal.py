"""Joining and the automatic removals (WL-17, WL-28, WL-29)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.clock import MovableClock
from domain.errors import ValidationError
from domain.org_settings import WaitlistSettings
from domain.waitlist import (
    EntrySource,
    EntryStatus,
    check_can_join,
    default_expiry,
    expiry_due,
    on_accepted,
    on_offer_unanswered,
)
from tests.domain.waitlist.builders import NOW, entry


@pytest.mark.parametrize(
    ("source", "settings", "days"),
    [
        (EntrySource.INVITE, WaitlistSettings(), 30),
        (EntrySource.SCHEDULED, WaitlistSettings(), 30),
        (EntrySource.INVITE, WaitlistSettings(max_days_on_list=10), 10),
        (EntrySource.STAFF, WaitlistSettings(), None),
        (EntrySource.CSV, WaitlistSettings(), None),
        (EntrySource.API, WaitlistSettings(), None),
    ],
)
def test_self_added_entries_leave_after_their_days(
    source: EntrySource, settings: WaitlistSettings, days: int | None
) -> None:
    expected = None if days is None else NOW + timedelta(days=days)
    assert default_expiry(source, NOW, settings) == expected


def test_expiry_follows_the_clock() -> None:
    clock = MovableClock(NOW, frozen=True)
    waiting = entry(expires_at=default_expiry(EntrySource.INVITE, NOW, WaitlistSettings()))
    clock.advance(timedelta(days=29, hours=23))
    assert not expiry_due(waiting, clock.now())
    clock.advance(timedelta(hours=1))
    assert expiry_due(waiting, clock.now())


@pytest.mark.parametrize(("limit", "before", "status"), [
    (30, 28, EntryStatus.ACTIVE),
    (30, 29, EntryStatus.INCOMPLETE),
    (5, 4, EntryStatus.INCOMPLETE),
])
def test_too_many_unaccepted_offers_make_the_entry_incomplete(
    limit: int, before: int, status: EntryStatus
) -> None:
    settings = WaitlistSettings(max_unaccepted_offers=limit)
    after = on_offer_unanswered(entry(unaccepted_offers=before), NOW, settings)
    assert after.unaccepted_offers == before + 1
    assert after.status is status
    if status is EntryStatus.INCOMPLETE:
        assert after.removed_at == NOW


def test_accepting_takes_the_patient_off_the_list() -> None:
    after = on_accepted(entry(), NOW)
    assert after.status is EntryStatus.BOOKED
    assert after.last_accepted_at == NOW


@pytest.mark.parametrize(("required", "has", "ok"), [
    (False, False, True), (True, True, True), (True, False, False),
])
def test_a_future_appointment_may_be_required(required: bool, has: bool, ok: bool) -> None:
    settings = WaitlistSettings(require_future_appointment=required)
    if ok:
        check_can_join(has_future_appointment=has, settings=settings)
    else:
        with pytest.raises(ValidationError) as raised:
            check_can_join(has_future_appointment=has, settings=settings)
        assert raised.value.field == "patient_id"
