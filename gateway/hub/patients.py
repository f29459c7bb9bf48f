"""The patient panel (HUB-07): demographics, appointments with their reminder timeline,
waitlist entries, sign-in history; editing demographics; identifying an unknown sender
(HUB-14, PIT-04)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import Conflict, ValidationError
from domain.identity import IdentityClaim, match_patient
from domain.model import Conversation, Patient, Prompt
from domain.storage import tables as t
from domain.storage import tables_hub as h
from domain.storage.repositories import (
    AppointmentRepository,
    ConversationRepository,
    PatientRepository,
)
from domain.storage.repositories._mapping import from_row
from gateway.auth.audit import audit, audit_view
from gateway.auth.principal import Principal
from gateway.auth.scoping import patient_condition, visible_conversation, visible_patient
from gateway.hub.actions import save_chat

__all__ = [
    "identify_sender",
    "identity_prompt",
    "identity_view",
    "login_history",
    "patient_panel",
    "update_demographics",
]

IDENTITY_FLOW = "identity"


async def patient_panel(conn: AsyncConnection, principal: Principal, patient_id: str,
                        now: datetime) -> dict[str, Any]:
    """Everything the panel shows, limited to the principal's facilities; audited as a view."""
    patient = await visible_patient(conn, principal, patient_id)
    appointments = [
        a for a in await AppointmentRepository(conn).for_patient(patient.id)
        if principal.sees(a.facility_id)
    ]
    await audit_view(conn, principal, "patient", patient.id, now)
    return {
        "patient": patient,
        "appointments": appointments,
        "waitlist": await _waitlist(conn, patient.id),
        "logins": await login_history(conn, patient.id),
    }


async def login_history(conn: AsyncConnection, patient_id: str, limit: int = 20
                        ) -> list[dict[str, Any]]:
    """The patient's most recent sign-ins (secure message codes), newest first."""
    rows = await conn.execute(
        sa.select(h.patient_logins)
        .where(h.patient_logins.c.patient_id == patient_id)
        .order_by(h.patient_logins.c.at.desc())
        .limit(limit)
    )
    return [dict(r) for r in rows.mappings()]


async def _waitlist(conn: AsyncConnection, patient_id: str) -> list[dict[str, Any]]:
    """Waitlist entries, when the waitlist part of Careline is installed (its table exists)."""
    from domain.storage.schema import metadata

    table = metadata.tables.get("waitlist_entries")
    if table is None or "patient_id" not in table.c:
        return []
    rows = await conn.execute(sa.select(table).where(table.c.patient_id == patient_id).limit(50))
    keep = ("id", "status", "state", "facility_id", "provider_id", "type_id", "created_at",
            "expires_at")
    return [{k: v for k, v in r.items() if k in keep} for r in rows.mappings()]


async def update_demographics(
    conn: AsyncConnection, principal: Principal, patient_id: str, changes: dict[str, Any],
    now: datetime,
) -> Patient:
    """Change a patient's name, date of birth or language (validated by the model)."""
    patient = await visible_patient(conn, principal, patient_id)
    updated = replace(patient, **changes)
    await _save_patient(conn, updated, now)
    await audit(conn, principal, "update", "patient", patient.id, now, fields=sorted(changes))
    return updated


async def _save_patient(conn: AsyncConnection, patient: Patient, now: datetime) -> None:
    await conn.execute(
        t.patients.update()
        .where(t.patients.c.id == patient.id)
        .values(first_name=patient.first_name, last_name=patient.last_name,
                date_of_birth=patient.date_of_birth,
                preferred_language=patient.preferred_language, mrn=patient.mrn,
                placeholder=patient.placeholder, updated_at=now)
    )


async def identity_prompt(conn: AsyncConnection, conversation_id: str) -> Prompt | None:
    """The chat's latest identity check (PIT-04), if one was started."""
    row = (
        await conn.execute(
            sa.select(t.prompts)
            .where(t.prompts.c.conversation_id == conversation_id,
                   t.prompts.c.flow == IDENTITY_FLOW)
            .order_by(t.prompts.c.created_at.desc(), t.prompts.c.id.desc())
            .limit(1)
        )
    ).mappings().first()
    return None if row is None else from_row(Prompt, dict(row))


async def identify_sender(
    conn: AsyncConnection, principal: Principal, conversation_id: str, *,
    patient_id: str | None, first_name: str | None, last_name: str | None,
    date_of_birth: date | None, now: datetime,
) -> Conversation:
    """Staff complete identification of a chat's sender (PIT-04, HUB-14): either link the chat
    to an existing patient, or turn its placeholder profile into a real one. A running identity
    check is closed either way.

    Raises:
        ValidationError: neither or both ways given, or a missing name.
        Conflict: completing a profile when the chat has no placeholder profile.
        NotFound: the chat or the patient is not visible to the principal.
    """
    conversation = await visible_conversation(conn, principal, conversation_id)
    patients = PatientRepository(conn)
    if patient_id is not None:
        if first_name or last_name or date_of_birth:
            raise ValidationError("patient_id", "give a patient_id or a profile, not both")
        patient = await visible_patient(conn, principal, patient_id)
        if patient.placeholder:
            raise ValidationError("patient_id", "choose an identified patient")
        updated = replace(conversation, patient_id=patient.id,
                          facility_id=conversation.facility_id or patient.primary_facility_id)
        detail: dict[str, object] = {"linked_patient_id": patient.id}
    else:
        if conversation.patient_id is None:
            raise Conflict("this chat has no placeholder profile; link a patient instead")
        current = await patients.get(conversation.patient_id)
        if not current.placeholder:
            raise Conflict("this chat's patient is identified already")
        if not first_name or not last_name:
            raise ValidationError("first_name", "first_name and last_name are required")
        profile = replace(current, first_name=first_name, last_name=last_name,
                          date_of_birth=date_of_birth, placeholder=False, mrn=None)
        await _save_patient(conn, profile, now)
        updated = conversation
        detail = {"completed_patient_id": profile.id}
    prompt = await identity_prompt(conn, conversation.id)
    if prompt is not None and prompt.closed_at is None:
        data = {**prompt.data, "verified_by": principal.user_id}
        await ConversationRepository(conn).save_prompt(
            replace(prompt, state="verified", data=data, closed_at=now)
        )
    return await save_chat(conn, principal, conversation, updated, "identify", now, **detail)


async def identity_view(conn: AsyncConnection, principal: Principal,
                        conversation: Conversation) -> dict[str, Any] | None:
    """The chat's identity check as staff see it: the answers so far and, once the date of
    birth is known, the patients on file (visible to the principal) they match."""
    prompt = await identity_prompt(conn, conversation.id)
    if prompt is None:
        return None
    data = prompt.data
    view: dict[str, Any] = {
        "state": prompt.state, "first_name": data.get("first_name"),
        "last_name": data.get("last_name"), "date_of_birth": data.get("date_of_birth"),
        "verified_by": data.get("verified_by"), "suggested_patient_ids": [],
    }
    try:
        claim = IdentityClaim(first_name=str(data["first_name"]), last_name=str(data["last_name"]),
                              date_of_birth=date.fromisoformat(str(data["date_of_birth"])))
    except (KeyError, ValueError):
        return view
    query = sa.select(t.patients.c.id).where(
        t.patients.c.org_id == principal.org_id,
        t.patients.c.date_of_birth == claim.date_of_birth,
        t.patients.c.placeholder.is_(False),
    ).limit(50)
    condition = patient_condition(principal)
    if condition is not None:
        query = query.where(condition)
    ids = (await conn.execute(query)).scalars().all()
    candidates = (await PatientRepository(conn).get_many(ids)).values()
    view["suggested_patient_ids"] = list(match_patient(claim, candidates).candidates)
    return view
