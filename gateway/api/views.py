"""How the Hub API shows things: plain JSON-ready dicts (schemas in ``openapi.yaml``)."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from typing import Any

from aiohttp import web

from domain.hub_rules import group_handle, queue_of
from domain.model import Appointment, Conversation, Group, Message, Note, Patient
from gateway.auth.principal import Principal
from gateway.hub.secure_store import Attachment

__all__ = [
    "appointment_view",
    "attachment_view",
    "chat_summary",
    "conversation_view",
    "group_view",
    "json_ok",
    "message_view",
    "note_view",
    "patient_summary",
    "patient_view",
]


def _default(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, frozenset | set | tuple):
        return sorted(value) if isinstance(value, frozenset | set) else list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dumps(data: Any) -> str:
    return json.dumps(data, default=_default)


def json_ok(data: Any, status: int = 200) -> web.Response:
    """A JSON response; dates and datetimes as ISO 8601."""
    return web.json_response(data, status=status, dumps=_dumps)


def patient_summary(patient: Patient | None) -> dict[str, Any] | None:
    if patient is None:
        return None
    temporary = patient.mrn if patient.placeholder else None
    return {"id": patient.id, "name": patient.display_name, "placeholder": patient.placeholder,
            "temporary_id": temporary}


def patient_view(patient: Patient) -> dict[str, Any]:
    return {
        "id": patient.id, "first_name": patient.first_name, "last_name": patient.last_name,
        "name": patient.display_name, "date_of_birth": patient.date_of_birth,
        "mrn": None if patient.placeholder else patient.mrn,
        "temporary_id": patient.mrn if patient.placeholder else None,
        "placeholder": patient.placeholder, "preferred_language": patient.preferred_language,
        "primary_facility_id": patient.primary_facility_id,
        "contacts": [
            {"kind": c.kind.value, "value": c.value, "label": c.label,
             "validity": c.validity.value, "active": c.active, "preferred": c.preferred}
            for c in patient.contacts
        ],
    }


def appointment_view(appointment: Appointment) -> dict[str, Any]:
    return {
        "id": appointment.id, "start": appointment.start,
        "duration_minutes": appointment.duration_minutes, "status": appointment.status.value,
        "confirmation": appointment.confirmation.value,
        "facility_id": appointment.facility_id, "provider_id": appointment.provider_id,
        "type_id": appointment.type_id,
        "timeline_url": f"/api/appointments/{appointment.id}/timeline",
    }


def _timestamps(conversation: Conversation) -> dict[str, Any]:
    return {
        "created_at": conversation.created_at, "last_message_at": conversation.last_message_at,
        "assigned_at": conversation.assigned_at, "reassigned_at": conversation.reassigned_at,
        "closed_at": conversation.closed_at, "reopened_at": conversation.reopened_at,
    }


def conversation_view(conversation: Conversation, principal: Principal) -> dict[str, Any]:
    """The fields of a chat itself, with its queue as the principal sees it."""
    return {
        "id": conversation.id, "channel": conversation.channel.value,
        "status": conversation.status.value,
        "queue": queue_of(conversation, principal.user_id).value,
        "unread": conversation.unread, "assignee_id": conversation.assignee_id,
        "group_id": conversation.group_id, "facility_id": conversation.facility_id,
        "patient_id": conversation.patient_id,
        "patient_address": conversation.patient_address,
        "careline_address": conversation.careline_address,
        **_timestamps(conversation),
    }


def chat_summary(row: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """A queue listing row (a conversation joined with its patient and last message)."""
    conversation = Conversation(**{k: row[k] for k in Conversation.__dataclass_fields__})
    patient = None
    if row.get("patient_id") is not None and row.get("placeholder") is not None:
        placeholder = bool(row["placeholder"])
        name = f"{row['first_name'] or ''} {row['last_name'] or ''}".strip() or "Unknown sender"
        patient = {"id": row["patient_id"], "name": name, "placeholder": placeholder,
                   "temporary_id": row["mrn"] if placeholder else None}
    return conversation_view(conversation, principal) | {
        "patient": patient, "preview": row["preview"],
    }


def message_view(message: Message) -> dict[str, Any]:
    return {
        "id": message.id, "direction": message.direction.value, "channel": message.channel.value,
        "body": message.body, "status": message.status.value, "created_at": message.created_at,
        "author_id": message.author_id, "facility_id": message.facility_id,
        "template_key": message.template_key, "media": list(message.media),
        "error_code": message.error_code, "sent_at": message.sent_at,
        "delivered_at": message.delivered_at,
    }


def note_view(note: Note) -> dict[str, Any]:
    return {
        "id": note.id, "author_id": note.author_id, "body": note.body,
        "created_at": note.created_at, "mentioned_user_ids": list(note.mentioned_user_ids),
        "mentioned_group_ids": list(note.mentioned_group_ids),
    }


def group_view(group: Group) -> dict[str, Any]:
    return {"id": group.id, "name": group.name, "handle": group_handle(group),
            "facility_ids": sorted(group.facility_ids)}


def attachment_view(attachment: Attachment) -> dict[str, Any]:
    return {"id": attachment.id, "filename": attachment.filename,
            "content_type": attachment.content_type, "size": attachment.size}
