"""Builders for dialog tests: a small clinic, a patient with an appointment, the context of a
reply, and a pure simulation of effects so that flows can be run over many messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from dialogs.context import DialogContext
from dialogs.effects import (
    CancelAppointment,
    ClosePrompt,
    ConfirmAppointment,
    Effect,
    MarkArrived,
    OpenPrompt,
    OptIn,
    OptOut,
    Reply,
    UpdatePrompt,
)
from domain.model import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    CancelSource,
    Channel,
    ContactKind,
    ContactPoint,
    Conversation,
    Facility,
    Organization,
    Patient,
    Prompt,
)
from domain.org_settings import OrgSettings, ReplySettings

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 10:00 in Chicago (CDT)
PATIENT_PHONE = "+13125550142"
CLINIC_NUMBER = "+13125550100"
OTHER_CLINIC_NUMBER = "+13125550199"
FACILITY_PHONE = "+13125550111"

FACILITY = Facility(
    id="FAC1", org_id="ORG1", name="Lakeside Clinic", timezone="America/Chicago",
    phone=FACILITY_PHONE,
)
VISIBLE = AppointmentType(id="TYPE1", org_id="ORG1", name="Check-up")
HIDDEN = AppointmentType(id="TYPE2", org_id="ORG1", name="Lab draw", hidden=True)
PATIENT = Patient(
    id="PAT1", org_id="ORG1", first_name="Ana", last_name="Ruiz",
    contacts=(ContactPoint(kind=ContactKind.SMS, value=PATIENT_PHONE),),
    primary_facility_id="FAC1",
)


def org(**replies: Any) -> Organization:
    """The organisation with reply options overridden."""
    settings = OrgSettings(replies=ReplySettings(**replies))
    return Organization(id="ORG1", name="Lakeside Health", phone="+13125550100",
                        public_key="lakeside-key-1", settings=settings)


def appointment(
    appointment_id: str = "APT1", *, start: datetime | None = None, **fields: Any
) -> Appointment:
    """A booked appointment of the patient, tomorrow at 9:30 in Chicago by default."""
    values: dict[str, Any] = {
        "id": appointment_id, "org_id": "ORG1", "patient_id": "PAT1", "facility_id": "FAC1",
        "provider_id": "PRV1", "type_id": "TYPE1",
        "start": start or datetime(2026, 3, 11, 14, 30, tzinfo=UTC), "duration_minutes": 30,
        "created_at": NOW - timedelta(days=20), "updated_at": NOW - timedelta(days=20),
    }
    values.update(fields)
    return Appointment(**values)


def conversation(**fields: Any) -> Conversation:
    values: dict[str, Any] = {
        "id": "CONV1", "org_id": "ORG1", "channel": Channel.SMS,
        "patient_address": PATIENT_PHONE, "careline_address": CLINIC_NUMBER,
        "patient_id": "PAT1", "created_at": NOW - timedelta(days=3),
    }
    values.update(fields)
    return Conversation(**values)


def prompt(
    prompt_id: str = "PR1", *, flow: str = "reminder", state: str = "awaiting_reply",
    appointment_id: str | None = "APT1", created_at: datetime | None = None, **fields: Any,
) -> Prompt:
    return Prompt(
        id=prompt_id, org_id="ORG1", conversation_id="CONV1", flow=flow, state=state,
        created_at=created_at or NOW - timedelta(days=1), appointment_id=appointment_id,
        **fields,
    )


def context(
    text: str = "C",
    *,
    appointments: tuple[Appointment, ...] | None = None,
    prompts: tuple[Prompt, ...] | None = None,
    now: datetime = NOW,
    organization: Organization | None = None,
    **fields: Any,
) -> DialogContext:
    """A reply from the patient, with one reminder open for one appointment by default."""
    found = (appointment(),) if appointments is None else appointments
    values: dict[str, Any] = {
        "org": organization or org(),
        "conversation": conversation(),
        "text": text,
        "now": now,
        "patient": PATIENT,
        "prompts": (prompt(),) if prompts is None else prompts,
        "appointments": {a.id: a for a in found},
        "types": {VISIBLE.id: VISIBLE, HIDDEN.id: HIDDEN},
        "facilities": {FACILITY.id: FACILITY},
    }
    values.update(fields)
    return DialogContext(**values)


def replies(effects: tuple[Effect, ...] | list[Effect]) -> list[str]:
    return [e.text for e in effects if isinstance(e, Reply)]


def of_type(effects: Any, kind: type) -> list[Any]:
    return [e for e in effects if isinstance(e, kind)]


def simulate(ctx: DialogContext, effects: tuple[Effect, ...]) -> DialogContext:
    """The context after ``effects`` were applied, the way the gateway applies them."""
    appointments = dict(ctx.appointments)
    prompts = {p.id: p for p in ctx.prompts}
    opted_out_from = list(ctx.opted_out_from)
    opened = 0
    for effect in effects:
        if isinstance(effect, ConfirmAppointment):
            appointments[effect.appointment_id] = appointments[effect.appointment_id].confirm(
                ctx.now)
        elif isinstance(effect, CancelAppointment):
            appointments[effect.appointment_id] = appointments[effect.appointment_id].cancel(
                ctx.now, CancelSource.PATIENT, no_show=effect.no_show)
        elif isinstance(effect, MarkArrived):
            appointments[effect.appointment_id] = appointments[
                effect.appointment_id].with_status(AppointmentStatus.ARRIVED, ctx.now)
        elif isinstance(effect, UpdatePrompt):
            prompts[effect.prompt_id] = replace(
                prompts[effect.prompt_id], state=effect.state, data=effect.data)
        elif isinstance(effect, ClosePrompt):
            prompts.pop(effect.prompt_id, None)
        elif isinstance(effect, OpenPrompt):
            opened += 1
            new = Prompt(
                id=f"NEW{len(prompts)}-{opened}", org_id="ORG1", conversation_id="CONV1",
                flow=effect.flow, state=effect.state, data=effect.data,
                created_at=ctx.now + timedelta(microseconds=opened),
                appointment_id=effect.appointment_id, expires_at=effect.expires_at,
            )
            prompts[new.id] = new
        elif isinstance(effect, OptOut):
            opted_out_from.append(effect.careline_number)
        elif isinstance(effect, OptIn):
            opted_out_from = [n for n in opted_out_from if n != effect.careline_number]
    ordered = tuple(sorted(prompts.values(), key=lambda p: (p.created_at, p.id), reverse=True))
    return replace(
        ctx, appointments=appointments, prompts=ordered,
        opted_out_from=tuple(dict.fromkeys(opted_out_from)),
        opted_out_here=ctx.careline_address in opted_out_from,
        auto_reply_sent=ctx.auto_reply_sent or any(
            isinstance(e, Reply) and e.key == "hub.auto_reply" for e in effects),
    )
