"""Hub chats: queues with filters, a chat with its messages and notes, and staff actions."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from domain.errors import ValidationError
from domain.hub_rules import Queue
from domain.storage.repositories import ConversationRepository, PatientRepository
from gateway.api._body import optional_text, query_int, read_json, text_field
from gateway.api.views import (
    chat_summary,
    conversation_view,
    json_ok,
    message_view,
    note_view,
    patient_summary,
)
from gateway.auth.audit import audit_view
from gateway.auth.request import current_principal
from gateway.auth.scoping import visible_conversation
from gateway.errors import bad_request
from gateway.hub import actions
from gateway.hub.chats import ChatFilter, ChatStore, pending_outbox
from gateway.hub.compose import add_note, send_reply
from gateway.hub.events import publish_conversation, publish_notification
from gateway.hub.patients import identify_sender, identity_view
from gateway.hub.secure_store import SecureStore
from gateway.keys import CLOCK, DB, STORES

__all__ = [
    "add_note_handler",
    "assign",
    "bulk",
    "close",
    "get_conversation",
    "identify",
    "list_conversations",
    "mark_read",
    "reopen",
    "send_message",
    "update_conversation",
]


def _id(request: web.Request) -> str:
    return request.match_info["conversation_id"]


def _filter(request: web.Request) -> ChatFilter:
    raw_queue = request.query.get("queue") or None
    try:
        queue = Queue(raw_queue) if raw_queue else None
    except ValueError:
        raise bad_request("queue must be unassigned, mine, others or closed", field="queue",
                          status=422) from None
    values: dict[str, str | None] = {}
    for name in ("facility_id", "group_id", "user_id"):
        value = request.query.get(name) or None
        if value is not None and len(value) > 64:
            raise bad_request(f"{name} is too long", field=name, status=422)
        values[name] = value
    text = request.query.get("q", "")
    if len(text) > 200:
        raise bad_request("q is longer than 200 characters", field="q", status=422)
    return ChatFilter(
        queue=queue, text=text, facility_id=values["facility_id"],
        group_id=values["group_id"], user_id=values["user_id"],
        limit=query_int(request, "limit", 50, low=1, high=200),
        offset=query_int(request, "offset", 0, low=0, high=100_000),
    )


async def list_conversations(request: web.Request) -> web.Response:
    """``GET /api/conversations``: a queue of chats, with the counts of every queue."""
    principal = current_principal(request)
    chat_filter = _filter(request)
    async with request.app[DB].read() as conn:
        store = ChatStore(conn)
        rows = await store.listing(principal, chat_filter)
        counts = await store.counts(principal, chat_filter)
    return json_ok({"items": [chat_summary(r, principal) for r in rows], "counts": counts})


async def get_conversation(request: web.Request) -> web.Response:
    """``GET /api/conversations/{id}``: the chat, its messages, notes and what is being sent.
    Audited as a view."""
    principal = current_principal(request)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        conversation = await visible_conversation(conn, principal, _id(request))
        repo = ConversationRepository(conn)
        patient = None
        if conversation.patient_id is not None:
            patient = await PatientRepository(conn).get(conversation.patient_id)
        body: dict[str, Any] = conversation_view(conversation, principal) | {
            "patient": patient_summary(patient),
            "messages": [message_view(m) for m in await repo.messages(conversation.id)],
            "notes": [note_view(n) for n in await repo.notes(conversation.id)],
            "pending": [_pending_view(row) for row in await pending_outbox(conn, conversation.id)],
            "secure_messages": await SecureStore(conn).for_conversation(conversation.id),
            "identity": await identity_view(conn, principal, conversation),
            "in_hub": await ChatStore(conn).is_chat(conversation.id) or conversation.unread,
        }
        await audit_view(conn, principal, "conversation", conversation.id, now)
    return json_ok(body)


def _pending_view(row: dict[str, Any]) -> dict[str, Any]:
    context = row.get("context") or {}
    author = context.get("author_id") if isinstance(context, dict) else None
    return {"outbox_id": row["id"], "kind": row["kind"], "channel": row["channel"],
            "body": row["body"] or "", "state": row["state"], "reason": row["reason"],
            "facility_id": row["facility_id"], "author_id": author,
            "created_at": row["created_at"], "due_at": row["due_at"]}


async def _changed(request: web.Request, conversation_id: str, action: str,
                   result: Any) -> web.Response:
    principal = current_principal(request)
    await publish_conversation(request.app[STORES].pubsub, principal.org_id, conversation_id,
                               action)
    return json_ok(conversation_view(result, principal))


async def assign(request: web.Request) -> web.Response:
    """``POST /api/conversations/{id}/assign``: to a user, to nobody, or to the last sender."""
    principal = current_principal(request)
    body = await read_json(request)
    last_sender = body.get("last_sender", False)
    if not isinstance(last_sender, bool):
        raise bad_request("last_sender must be true or false", field="last_sender", status=422)
    assignee_id = optional_text(body, "assignee_id", max_length=64)
    group_id = optional_text(body, "group_id", max_length=64)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        updated = await actions.assign_chat(
            conn, principal, _id(request), assignee_id=assignee_id, group_id=group_id,
            last_sender=last_sender, now=now,
        )
    return await _changed(request, updated.id, "assigned", updated)


async def close(request: web.Request) -> web.Response:
    """``POST /api/conversations/{id}/close``."""
    principal = current_principal(request)
    async with request.app[DB].transaction() as conn:
        updated = await actions.close_chat(conn, principal, _id(request),
                                           request.app[CLOCK].now())
    return await _changed(request, updated.id, "closed", updated)


async def reopen(request: web.Request) -> web.Response:
    """``POST /api/conversations/{id}/reopen``."""
    principal = current_principal(request)
    async with request.app[DB].transaction() as conn:
        updated = await actions.reopen_chat(conn, principal, _id(request),
                                            request.app[CLOCK].now())
    return await _changed(request, updated.id, "reopened", updated)


async def mark_read(request: web.Request) -> web.Response:
    """``POST /api/conversations/{id}/read``: ``{"unread": false}`` marks it read."""
    principal = current_principal(request)
    body = await read_json(request)
    unread = body.get("unread", False)
    if not isinstance(unread, bool):
        raise bad_request("unread must be true or false", field="unread", status=422)
    async with request.app[DB].transaction() as conn:
        updated = await actions.set_unread(conn, principal, _id(request), unread,
                                           request.app[CLOCK].now())
    return await _changed(request, updated.id, "read", updated)


async def update_conversation(request: web.Request) -> web.Response:
    """``PATCH /api/conversations/{id}``: set the chat's facility (triage)."""
    principal = current_principal(request)
    body = await read_json(request)
    facility_id = text_field(body, "facility_id", max_length=64)
    async with request.app[DB].transaction() as conn:
        updated = await actions.set_chat_facility(conn, principal, _id(request), facility_id,
                                                  request.app[CLOCK].now())
    return await _changed(request, updated.id, "facility", updated)


async def bulk(request: web.Request) -> web.Response:
    """``POST /api/conversations/bulk``: close or mark many chats (un)read (HUB-10)."""
    principal = current_principal(request)
    body = await read_json(request)
    ids = body.get("ids")
    if (not isinstance(ids, list) or not ids or len(ids) > 200
            or not all(isinstance(i, str) and 0 < len(i) <= 64 for i in ids)):
        raise bad_request("ids must be a list of 1-200 conversation ids", field="ids",
                          status=422)
    try:
        action = actions.BulkAction(str(body.get("action")))
    except ValueError:
        raise bad_request("action must be close, mark_unread or mark_read", field="action",
                          status=422) from None
    async with request.app[DB].transaction() as conn:
        done, skipped = await actions.bulk_update(conn, principal, ids, action,
                                                  request.app[CLOCK].now())
    for conversation_id in done:
        await publish_conversation(request.app[STORES].pubsub, principal.org_id,
                                   conversation_id, action.value)
    return json_ok({"updated": done, "skipped": skipped})


async def send_message(request: web.Request) -> web.Response:
    """``POST /api/conversations/{id}/messages``: a reply to the patient, from a facility."""
    principal = current_principal(request)
    body = await read_json(request)
    text = text_field(body, "body", max_length=4000)
    facility_id = optional_text(body, "facility_id", max_length=64)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        outbox, updated = await send_reply(conn, principal, _id(request), body=text,
                                           facility_id=facility_id, now=now)
    await publish_conversation(request.app[STORES].pubsub, principal.org_id, updated.id,
                               "message")
    return json_ok(_pending_view({
        "id": outbox.id, "kind": outbox.kind.value, "channel": outbox.channel.value,
        "body": outbox.body, "state": outbox.state.value, "reason": outbox.reason,
        "facility_id": outbox.facility_id, "context": outbox.context,
        "created_at": outbox.created_at, "due_at": outbox.due_at,
    }), status=201)


async def add_note_handler(request: web.Request) -> web.Response:
    """``POST /api/conversations/{id}/notes``: an internal note; @mentions notify."""
    principal = current_principal(request)
    body = await read_json(request)
    text = text_field(body, "body", max_length=4000)
    async with request.app[DB].transaction() as conn:
        result = await add_note(conn, principal, _id(request), text, request.app[CLOCK].now())
    pubsub = request.app[STORES].pubsub
    await publish_conversation(pubsub, principal.org_id, result.note.conversation_id, "note")
    await publish_notification(pubsub, principal.org_id, result.notified_user_ids,
                               result.note.conversation_id)
    return json_ok(note_view(result.note) | {
        "notified_user_ids": list(result.notified_user_ids),
        "unreachable_user_ids": list(result.unreachable_user_ids),
    }, status=201)


async def identify(request: web.Request) -> web.Response:
    """``POST /api/conversations/{id}/identity``: link the chat to a patient, or complete its
    placeholder profile (PIT-04, HUB-14)."""
    principal = current_principal(request)
    body = await read_json(request)
    patient_id = optional_text(body, "patient_id", max_length=64)
    first_name = optional_text(body, "first_name", max_length=100)
    last_name = optional_text(body, "last_name", max_length=100)
    raw_dob = optional_text(body, "date_of_birth", max_length=10)
    try:
        dob = date.fromisoformat(raw_dob) if raw_dob else None
    except ValueError:
        raise ValidationError("date_of_birth", "must be a date such as 1985-04-27") from None
    if patient_id is None and not (first_name or last_name):
        raise ValidationError("patient_id", "give a patient_id, or first_name and last_name")
    async with request.app[DB].transaction() as conn:
        updated = await identify_sender(
            conn, principal, _id(request), patient_id=patient_id, first_name=first_name,
            last_name=last_name, date_of_birth=dob, now=request.app[CLOCK].now(),
        )
    return await _changed(request, updated.id, "identified", updated)
