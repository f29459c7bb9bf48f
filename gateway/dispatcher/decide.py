"""Send-time decision for one outbox row: the delivery rules of ``domain.rules`` fed from the
model, plus the dispatcher's own guards (pure; the facts are loaded by ``context.py``).

Mapping choices (documented here because planners rely on them):

* Kinds: ``reschedule`` (answers to a patient's RESCHEDULE reply) is transactional;
  ``secure_link`` is a staff message; the others map by name.
* Channels: sms, voice and email are checked; ``simulator`` is checked as SMS (or email) when
  its address is a phone number (or an email address); ``widget`` replies go to a live chat
  session that has no phone or email, so only the dispatcher's guards apply.
* Optional keys a planner may put in a row's ``context``: ``slot_start`` (ISO time of the slot
  a waitlist offer is about -- never sent at or after it), ``action_edited_at`` (ISO, custom
  action edit guard), ``skip_delivery_rules`` (custom actions only) and
  ``opt_out_confirmation`` (the one transactional reply confirming a patient's STOP).
* Do Not Contact entries whose source the rules do not model (``carrier``), or that cannot be
  read, block the message all the same -- a doubt never turns into a send.
* A reminder whose appointment is gone, no longer active or has reminders blocked is blocked.

The stored reason reads ``"<code>: <text for staff>"``, e.g.
``"do_not_contact: +12025550143 is on the Do Not Contact list (...)"``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain import rules
from domain.errors import ValidationError
from domain.model import (
    ACTIVE_STATUSES,
    Appointment,
    Channel,
    ContactValidity,
    DncEntry,
    MessageKind,
    Organization,
    OutboxMessage,
    Patient,
)
from domain.reminders.time_rules import reminder_policy
from gateway.dispatcher.dnc import canonical

__all__ = [
    "Action",
    "PolicyFor",
    "RowFacts",
    "Verdict",
    "decide",
    "delivery_policy",
    "rules_channel",
    "same_address",
]

PolicyFor = Callable[[Organization], rules.DeliveryPolicy]
"""Builds an organisation's delivery policy (injectable; :func:`delivery_policy` by default)."""

_MAX_REASON = 500

_KINDS: dict[MessageKind, rules.MessageKind] = {
    MessageKind.REMINDER: rules.MessageKind.REMINDER,
    MessageKind.WAITLIST: rules.MessageKind.WAITLIST,
    MessageKind.RESCHEDULE: rules.MessageKind.TRANSACTIONAL,
    MessageKind.BROADCAST: rules.MessageKind.BROADCAST,
    MessageKind.CUSTOM: rules.MessageKind.CUSTOM,
    MessageKind.STAFF: rules.MessageKind.STAFF,
    MessageKind.TRANSACTIONAL: rules.MessageKind.TRANSACTIONAL,
    MessageKind.SECURE_LINK: rules.MessageKind.STAFF,
}


class Action(StrEnum):
    SEND = "send"
    BLOCK = "block"
    DEFER = "defer"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What to do with a row now; ``reason`` for block and defer, ``until`` for defer."""

    action: Action
    reason: str | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RowFacts:
    """Everything the rules need about one row, loaded fresh at send time."""

    org: Organization
    policy: rules.DeliveryPolicy
    facility_zone: str
    patient: Patient | None = None
    appointment: Appointment | None = None
    dnc: tuple[DncEntry, ...] = ()
    priors: tuple[rules.PriorMessage, ...] = ()
    from_address: str | None = None


def delivery_policy(org: Organization) -> rules.DeliveryPolicy:
    """The policy rows are judged with at send time: the organisation's delivery settings
    with the reminder calendar switches applied (REM-11 send on holidays, REM-52 Sunday ->
    Saturday) -- the same policy the reminder planner plans with, so the two agree."""
    return reminder_policy(org.settings.delivery, org.settings.reminders)


def rules_channel(channel: Channel, address: str) -> rules.Channel | None:
    """The rules' contact method for a row, or ``None`` when the rules do not apply."""
    if channel in (Channel.SMS, Channel.VOICE, Channel.EMAIL):
        return rules.Channel(channel.value)
    if channel is Channel.SIMULATOR:
        if "@" in address:
            return rules.Channel.EMAIL
        try:
            rules.normalize_address(address)
        except ValidationError:
            return None
        return rules.Channel.SMS
    return None


def same_address(a: str, b: str) -> bool:
    """Whether two spellings are the same phone number or email address."""
    return a == b or canonical(a) == canonical(b)


def _reason(code: str, text: str) -> str:
    return f"{code}: {text}"[:_MAX_REASON]


def _block(code: str, text: str) -> Verdict:
    return Verdict(Action.BLOCK, _reason(code, text))


def _appointment_guard(row: OutboxMessage, appointment: Appointment | None) -> Verdict | None:
    if row.kind is not MessageKind.REMINDER or row.appointment_id is None:
        return None
    if appointment is None:
        return _block("appointment_missing", "the appointment no longer exists")
    if appointment.status not in ACTIVE_STATUSES:
        return _block("appointment_inactive", f"the appointment is {appointment.status.value}")
    if appointment.reminders_blocked:
        return _block("reminders_blocked", "reminders are blocked for this appointment")
    return None


def _dnc_entries(
    entries: tuple[DncEntry, ...], address: str
) -> tuple[tuple[rules.DncEntry, ...], Verdict | None]:
    converted: list[rules.DncEntry] = []
    for entry in entries:
        if not same_address(entry.address, address):
            continue  # the loader passes this address's entries only; a safety net
        try:
            source = rules.DncSource(entry.source.value)
            converted.append(
                rules.DncEntry(
                    address=entry.address,
                    source=source,
                    from_number=(
                        entry.careline_number
                        if source is rules.DncSource.PATIENT_OPT_OUT
                        else None
                    ),
                    added_at=entry.created_at,
                )
            )
        except (ValueError, ValidationError):
            return (), _block(
                "do_not_contact",
                f"{address} is on the Do Not Contact list (source: {entry.source.value})",
            )
    return tuple(converted), None


def _iso(context: dict[str, Any], key: str) -> datetime | None:
    value = context.get(key)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.utcoffset() is not None else None


def _contact_facts(patient: Patient | None, address: str) -> dict[str, Any]:
    if patient is None:
        return {}
    for contact in patient.contacts:
        if same_address(contact.value, address):
            status = {
                ContactValidity.INVALID: rules.ContactStatus.INVALID,
                ContactValidity.LANDLINE: rules.ContactStatus.LANDLINE,
            }.get(contact.validity, rules.ContactStatus.OK)
            return {
                "contact_status": status,
                "contact_active": contact.active,
                "contact_validated_at": contact.validated_at,
            }
    return {}


def _candidate(
    row: OutboxMessage, body: str, channel: rules.Channel, facts: RowFacts,
    dnc: tuple[rules.DncEntry, ...],
) -> rules.Candidate:
    kind = _KINDS[row.kind]
    confirmation = (
        kind is rules.MessageKind.TRANSACTIONAL and row.context.get("opt_out_confirmation") is True
    )
    appointment_start = None
    if kind is rules.MessageKind.REMINDER and facts.appointment is not None:
        appointment_start = facts.appointment.start
    elif kind is rules.MessageKind.WAITLIST:
        appointment_start = _iso(row.context, "slot_start")
    return rules.Candidate(
        channel=channel,
        address=row.to_address,
        kind=kind,
        body=body,
        facility_zone=facts.facility_zone,
        template_key=row.template_key,
        patient_first_name=facts.patient.first_name if facts.patient is not None else None,
        appointment_start=appointment_start,
        prior_messages=facts.priors,
        dnc_entries=dnc,
        # The rules read the sending number only for a STOP confirmation; parsing it for
        # every message would cost as much as all other checks.
        from_number=facts.from_address if confirmation and channel is not rules.Channel.EMAIL
        else None,
        is_opt_out_confirmation=confirmation,
        skip_delivery_rules=(
            kind is rules.MessageKind.CUSTOM and row.context.get("skip_delivery_rules") is True
        ),
        edited_at=_iso(row.context, "action_edited_at"),
        **_contact_facts(facts.patient, row.to_address),
    )


def decide(row: OutboxMessage, body: str, facts: RowFacts, now: datetime) -> Verdict:
    """Whether ``row`` (rendered as ``body``) may be sent at ``now``.

    Args:
        row: the claimed outbox row.
        body: its rendered text (the content policy reads it).
        facts: the row's facts, loaded fresh for this claim.
        now: the current time (aware).

    Returns:
        Send, block (never send; reason stored) or defer (pending until ``until``).
    """
    guard = _appointment_guard(row, facts.appointment)
    if guard is not None:
        return guard
    channel = rules_channel(row.channel, row.to_address)
    if channel is None:
        return Verdict(Action.SEND)
    dnc, refused = _dnc_entries(facts.dnc, row.to_address)
    if refused is not None:
        return refused
    try:
        candidate = _candidate(row, body, channel, facts, dnc)
    except ValidationError as exc:
        return _block("invalid_message", exc.message)
    decision = rules.evaluate(candidate, facts.policy, now)
    if decision.allowed:
        return Verdict(Action.SEND)
    if decision.deferred:
        return Verdict(Action.DEFER, _reason(decision.code.value, decision.reason),
                       decision.deferred_until)
    return _block(decision.code.value, decision.reason)
