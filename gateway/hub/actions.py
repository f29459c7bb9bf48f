"""Staff actions on chats: assign, close, reopen, read state, bulk actions, facility (HUB-01,
HUB-09, HUB-10, HUB-16, HUB-23). Each runs in the caller's transaction, checks the
principal's facility access and writes an audit entry."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from domain import hub_rules
from domain.errors import NotFound, ValidationError
from domain.model import Conversation
from domain.storage.repositories import (
    ConversationRepository,
    PracticeRepository,
    StaffRepository,
)
from gateway.auth.audit import audit
from gateway.auth.principal import Principal
from gateway.auth.scoping import visible_conversation
from gateway.hub.chats import ChatStore

__all__ = [
    "BulkAction",
    "assign_chat",
    "bulk_update",
    "close_chat",
    "reopen_chat",
    "save_chat",
    "set_chat_facility",
    "set_unread",
]


class BulkAction(StrEnum):
    CLOSE = "close"
    MARK_UNREAD = "mark_unread"
    MARK_READ = "mark_read"


async def save_chat(
    conn: AsyncConnection, principal: Principal, before: Conversation, after: Conversation,
    action: str, now: datetime, **detail: Any,
) -> Conversation:
    """Store a changed chat (a Hub chat from now on) and audit the action."""
    if after != before:
        await ConversationRepository(conn).save(after)
    await ChatStore(conn).route(conversation_id=after.id, org_id=after.org_id, reason="staff",
                                at=now)
    await audit(conn, principal, action, "conversation", after.id, now, **detail)
    return after


async def assign_chat(
    conn: AsyncConnection, principal: Principal, conversation_id: str, *,
    assignee_id: str | None, group_id: str | None = None, last_sender: bool = False,
    now: datetime,
) -> Conversation:
    """Assign the chat to a user (None: back to Unassigned), optionally to a group too, or to
    the staff member who last sent a message in it (HUB-23).

    Raises:
        NotFound: the chat is not visible to the principal.
        ValidationError: the assignee or group is unknown, inactive, or may not see the chat's
            facility; or ``last_sender`` and nobody has sent a message yet.
    """
    conversation = await visible_conversation(conn, principal, conversation_id)
    conversations = ConversationRepository(conn)
    if last_sender:
        assignee_id = hub_rules.last_sender(await conversations.messages(conversation.id))
        if assignee_id is None:
            raise ValidationError("last_sender", "nobody has sent a message in this chat yet")
    staff = StaffRepository(conn)
    groups = await staff.groups(principal.org_id)
    if group_id is not None and group_id not in groups:
        raise ValidationError("group_id", "no such group")
    if assignee_id is None:
        updated = hub_rules.unassign(conversation, now)
    else:
        try:
            assignee = await staff.user(assignee_id)
        except NotFound:
            raise ValidationError("assignee_id", "no such user") from None
        if assignee.org_id != principal.org_id or not assignee.active:
            raise ValidationError("assignee_id", "no such user")
        if not hub_rules.visible_to(conversation.facility_id, assignee.facility_access(groups),
                                    assignee.role):
            raise ValidationError("assignee_id", "this user cannot see this facility's chats")
        updated = hub_rules.assign(conversation, assignee_id, now)
    if group_id is not None:
        updated = replace(updated, group_id=group_id)
    return await save_chat(conn, principal, conversation, updated, "assign", now,
                           assignee_id=assignee_id, group_id=group_id)


async def close_chat(conn: AsyncConnection, principal: Principal, conversation_id: str,
                     now: datetime) -> Conversation:
    """Close the chat (HUB-09)."""
    conversation = await visible_conversation(conn, principal, conversation_id)
    return await save_chat(conn, principal, conversation, hub_rules.close(conversation, now),
                           "close", now)


async def reopen_chat(conn: AsyncConnection, principal: Principal, conversation_id: str,
                      now: datetime) -> Conversation:
    """Reopen the chat by hand (it keeps its assignee)."""
    conversation = await visible_conversation(conn, principal, conversation_id)
    return await save_chat(conn, principal, conversation, hub_rules.reopen(conversation, now),
                           "reopen", now)


async def set_unread(conn: AsyncConnection, principal: Principal, conversation_id: str,
                     unread: bool, now: datetime) -> Conversation:
    """Mark the chat read or unread."""
    conversation = await visible_conversation(conn, principal, conversation_id)
    return await save_chat(conn, principal, conversation, replace(conversation, unread=unread),
                           "mark_unread" if unread else "mark_read", now)


async def set_chat_facility(conn: AsyncConnection, principal: Principal, conversation_id: str,
                            facility_id: str, now: datetime) -> Conversation:
    """Tie the chat to a facility the principal may see (triage of unknown senders)."""
    conversation = await visible_conversation(conn, principal, conversation_id)
    facilities = await PracticeRepository(conn).facilities(principal.org_id)
    if facility_id not in facilities or not principal.sees(facility_id):
        raise ValidationError("facility_id", "no such facility")
    return await save_chat(conn, principal, conversation,
                           replace(conversation, facility_id=facility_id), "set_facility", now,
                           facility_id=facility_id)


async def bulk_update(
    conn: AsyncConnection, principal: Principal, conversation_ids: Sequence[str],
    action: BulkAction, now: datetime,
) -> tuple[list[str], list[str]]:
    """Apply ``action`` to many chats (HUB-10). Chats the principal may not see are skipped,
    exactly like ids that do not exist.

    Returns:
        (ids changed or already in the wanted state, ids skipped).
    """
    done: list[str] = []
    skipped: list[str] = []
    for conversation_id in dict.fromkeys(conversation_ids):
        try:
            conversation = await visible_conversation(conn, principal, conversation_id)
        except NotFound:
            skipped.append(conversation_id)
            continue
        if action is BulkAction.CLOSE:
            updated = hub_rules.close(conversation, now)
        else:
            updated = replace(conversation, unread=action is BulkAction.MARK_UNREAD)
        await save_chat(conn, principal, conversation, updated, f"bulk_{action.value}", now)
        done.append(conversation_id)
    return done, skipped
