"""Planning many appointments that share one organisation and one ``now`` (pure).

An EHR import or a nightly re-plan plans hundreds of thousands of appointments with the same
settings, delivery policy and practice. Their pending reminders differ only in a few inputs:
the start, the facility's zone, what the booking time is compared with, the appointment's
state flags and the patient's route. :class:`BatchPlanner` computes the pending reminders once
per distinct combination of those inputs -- with :func:`plan_reminders` itself, so there is
one planner -- and reuses them for every appointment that shares it; only the appointment id
(which enters the dedupe key) is per appointment.

The combination (:meth:`BatchPlanner.key`) must name everything the pending reminders depend
on besides the appointment id; ``tests/domain/reminders/test_batch.py`` compares the batch
path with :func:`plan_reminders` over generated appointments to keep it so. Anything the key
does not model (a multi-appointment day, a request with other settings) goes to the plain
planner.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from domain.model import Appointment, Channel, Patient
from domain.org_settings import ReminderSettings
from domain.reminders.cadence import place_cadence
from domain.reminders.catch_up import catch_up_anchor, catch_up_disabled_by
from domain.reminders.contacts import choose_route, voice_numbers
from domain.reminders.model import PlanKind, PlanRequest, Practice, ReminderPlan
from domain.reminders.planner import address_digest, dedupe_key_parts, plan_reminders
from domain.reminders.time_rules import reminder_rules
from domain.rules import DeliveryPolicy, SendWindowRules

__all__ = ["Addresses", "BatchPlanner", "PendingReminder", "pending_reminders"]

T = TypeVar("T")


Addresses = tuple[tuple[str, ...], tuple[str, ...]]
"""A patient's reminder addresses: the route's (REM-28, REM-58), then the numbers to call
instead of texting (REM-60; empty unless ``voice_after_unanswered_sms`` applies)."""


@dataclass(frozen=True, slots=True)
class PendingReminder:
    """One message of a plan that writes an outbox row, without its appointment and address.

    The address is ``addresses[by_voice][address_index]`` of the patient's
    :data:`Addresses`; the dedupe key is
    ``f"rem:{appointment_id}{key_head}{address_digest(address)}{key_tail}"``.
    """

    slot: str
    kind: PlanKind
    days_before: int | None
    due_at: datetime
    channel: Channel
    by_voice: bool
    address_index: int
    template_key: str
    key_head: str
    key_tail: str

    def address(self, addresses: Addresses) -> str:
        return addresses[self.by_voice][self.address_index]


def _addresses(patient: Patient, settings: ReminderSettings, policy: DeliveryPolicy) -> (
    tuple[Channel, Addresses] | None
):
    """The patient's reminder channel and addresses, as the planner chooses them."""
    route = choose_route(patient, settings, policy)
    if route is None:
        return None
    voice: tuple[str, ...] = ()
    if settings.voice_after_unanswered_sms and route.channel is Channel.SMS:
        voice = voice_numbers(patient, policy, route.addresses)
    return route.channel, (route.addresses, voice)


def pending_reminders(plan: ReminderPlan, addresses: Addresses | None) -> (
    tuple[PendingReminder, ...]
):
    """The messages of ``plan`` that write outbox rows, in the plan's order, with their
    addresses as positions in ``addresses`` (the patient's, see :func:`_addresses`)."""
    found = []
    seen: dict[tuple[str, bool], int] = {}
    for message in plan.to_write:
        assert message.due_at is not None and message.channel is not None
        assert addresses is not None and message.address is not None
        by_voice = message.channel is Channel.VOICE and bool(addresses[1])
        index = seen.get((message.slot, by_voice), 0)
        seen[(message.slot, by_voice)] = index + 1
        # A slot's messages go to the route's addresses in order (planner._messages).
        assert addresses[by_voice][index] == message.address
        head, tail = dedupe_key_parts(message.slot, message.channel, message.due_at)
        assert message.dedupe_key == (
            f"rem:{plan.appointment_id}{head}{address_digest(message.address)}{tail}")
        found.append(PendingReminder(
            message.slot, message.kind, message.days_before, message.due_at, message.channel,
            by_voice, index, message.template_key, head, tail,
        ))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class _Place:
    zone: str
    rules: SendWindowRules
    disabled: bool


class BatchPlanner(Generic[T]):
    """Pending reminders for many appointments planned with the same settings, policy,
    practice and ``now``, shaped once per distinct plan by ``shape``.

    Args:
        practice, settings, policy, now: shared by every request of the batch (a request with
            other ones is planned without the cache).
        shape: turns the pending reminders of one plan into what the caller keeps (e.g. row
            templates); called once per distinct plan, not once per appointment.
    """

    def __init__(
        self, practice: Practice, settings: ReminderSettings, policy: DeliveryPolicy,
        now: datetime, shape: Callable[[tuple[PendingReminder, ...]], T],
    ) -> None:
        self.practice, self.settings, self.policy, self.now = practice, settings, policy, now
        self._shape = shape
        self._late = timedelta(hours=settings.late_booking_hours)
        self._window_catch_up = settings.catch_up_in_schedulable_window
        self._catch_up_off = catch_up_disabled_by(settings) is not None
        self._voice = settings.voice_after_unanswered_sms
        self._places: dict[tuple[str, str, str | None], _Place] = {}
        self._routes: dict[int, tuple[Patient, Addresses | None, Hashable]] = {}
        self._plans: dict[Hashable, T] = {}
        self._finals: dict[tuple[datetime, str], datetime | None] = {}
        self._ordered: dict[tuple[datetime, str], list[datetime]] = {}

    def _place(self, appointment: Appointment) -> _Place:
        ids = (appointment.facility_id, appointment.provider_id, appointment.type_id)
        found = self._places.get(ids)
        if found is None:
            zone = self.practice.facility(appointment.facility_id).timezone
            rules = reminder_rules(self.policy, self.settings, zone, self.settings.template_key)
            disabled = self.practice.disabled_resource(appointment) is not None
            found = self._places[ids] = _Place(zone, rules, disabled)
        return found

    def _route(self, patient: Patient) -> tuple[Addresses | None, Hashable]:
        hit = self._routes.get(id(patient))
        if hit is not None and hit[0] is patient:
            return hit[1], hit[2]
        found = _addresses(patient, self.settings, self.policy)
        addresses: Addresses | None = None
        shape: Hashable = None
        if found is not None:
            # The plan reads the channel and how many addresses there are, not which.
            channel, addresses = found
            shape = (channel, len(addresses[0]), len(addresses[1]))
        if len(self._routes) > 100_000:
            self._routes.clear()
        self._routes[id(patient)] = (patient, addresses, shape)
        return addresses, shape

    def _times(self, start: datetime, rules: SendWindowRules) -> list[datetime] | None:
        """The placed cadence times of ``start`` when they are in order (then how many are
        before the booking says which are missed), else None."""
        key = (start, rules.zone.key)
        if key in self._finals:
            return self._ordered.get(key)
        placed = [p.at for p in place_cadence(start, self.settings, rules) if p.at is not None]
        if len(self._finals) > 200_000:
            self._finals.clear()
            self._ordered.clear()
        self._finals[key] = placed[-1] if placed else None
        if placed == sorted(placed):
            self._ordered[key] = placed
        return self._ordered.get(key)

    def key(self, request: PlanRequest) -> tuple[Hashable | None, Addresses | None]:
        """Everything ``request``'s pending reminders depend on besides the appointment id
        and the addresses (``None`` when the request is one the batch does not model), and
        the patient's addresses."""
        addresses, shape = self._route(request.patient)
        if (
            request.settings is not self.settings
            or request.policy is not self.policy
            or request.practice is not self.practice
            or request.now != self.now
            or (request.same_day and self.settings.multi_appointment_day == "first")
        ):
            return None, addresses
        appointment = request.appointment
        start = appointment.start
        place = self._place(appointment)
        booked = request.booking_time
        if start - booked < self._late:
            booking: Hashable = ("late", booked)  # REM-53 reads the booking time itself
        else:
            # A cadence reminder is missed when placed before the booking (REM-42) ...
            times = self._times(start, place.rules)
            missed: Hashable = (
                bisect.bisect_left(times, booked) if times is not None
                else tuple(p.at is not None and p.at < booked
                           for p in place_cadence(start, self.settings, place.rules))
            )
            final = self._finals.get((start, place.zone))
            anchor: datetime | None = None
            # ... and a missed final one brings a catch-up placed from the booking time.
            if final is not None and final < booked and not self._catch_up_off:
                if self._window_catch_up and place.rules.windows:
                    anchor = booked  # REM-61: the window's next opening after the booking
                else:
                    anchor = catch_up_anchor(booked, start, self.settings, place.rules)
            booking = (missed, anchor)
        replied = request.patient_replied_at if self._voice else None
        key = (
            start, place.zone, place.disabled, booking, appointment.active,
            appointment.confirmed, appointment.reminders_blocked, shape, replied,
        )
        return key, addresses

    def pending(self, request: PlanRequest) -> tuple[T, Addresses | None]:
        """The shaped pending reminders of ``request`` -- exactly those of
        ``pending_reminders(plan_reminders(request), addresses)`` -- and the addresses."""
        key, addresses = self.key(request)
        if key is None:
            return self._shape(pending_reminders(plan_reminders(request), addresses)), addresses
        found = self._plans.get(key)
        if found is None:
            if len(self._plans) > 500_000:
                self._plans.clear()
            plan = plan_reminders(request)
            found = self._plans[key] = self._shape(pending_reminders(plan, addresses))
        return found, addresses
