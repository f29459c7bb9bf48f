"""Which openings a patient who asked to reschedule is offered (RSC-01, RSC-09..RSC-16).

Spec: RSC-01 (up to 3 times, same appointment type as the original by default), RSC-10
(openings without a type may be offered too, optional), RSC-12 (a minimum gap between the
offered start times), RSC-14 (only openings freed by cancellations, optional), RSC-16 (match
only the type, not provider and facility, optional), RSC-09 (how many days ahead are shown).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from domain.model import Appointment, OpenSlot, SlotState
from domain.org_settings import RescheduleSettings

__all__ = ["matches", "select_options"]


def matches(appointment: Appointment, opening: OpenSlot, settings: RescheduleSettings) -> bool:
    """Whether ``opening`` could replace ``appointment`` (time window aside)."""
    if opening.state != SlotState.OPEN or opening.org_id != appointment.org_id:
        return False
    if opening.duration_minutes < appointment.duration_minutes:
        return False
    untyped_ok = opening.type_id is None and settings.allow_untyped_openings
    if opening.type_id != appointment.type_id and not untyped_ok:
        return False
    if not settings.type_only and (
        opening.provider_id != appointment.provider_id
        or opening.facility_id != appointment.facility_id
    ):
        return False
    return not (settings.only_cancellation_openings and opening.source != "cancellation")


def select_options(
    appointment: Appointment,
    openings: Iterable[OpenSlot],
    *,
    settings: RescheduleSettings,
    now: datetime,
    exclude: frozenset[str] = frozenset(),
) -> list[OpenSlot]:
    """Up to ``settings.max_options`` openings, earliest first, at least
    ``settings.interval_minutes`` apart.

    Args:
        appointment: the appointment to move.
        openings: candidate openings (any order).
        settings: the organisation's reschedule settings.
        now: the current time.
        exclude: openings already offered in this conversation and found taken.
    """
    earliest = now + timedelta(minutes=settings.min_lead_minutes)
    latest = now + timedelta(days=settings.days_visible)
    fitting: Sequence[OpenSlot] = sorted(
        (
            o for o in openings
            if o.id not in exclude
            and earliest <= o.start <= latest
            and o.start != appointment.start
            and matches(appointment, o, settings)
        ),
        key=lambda o: (o.start, o.id),
    )
    gap = timedelta(minutes=settings.interval_minutes)
    chosen: list[OpenSlot] = []
    for opening in fitting:
        if len(chosen) == settings.max_options:
            break
        if not chosen or opening.start >= chosen[-1].start + gap:
            chosen.append(opening)
    return chosen
