"""The Hub's rules: queues, routing and reopening, ownership, @mentions, visibility (pure).

Both the Hub (staff actions) and the dialog manager (patient messages) apply these, so a chat
behaves the same whichever side moved it (HUB-01, HUB-09, HUB-12, HUB-13, HUB-17, HUB-20,
HUB-22, HUB-23, PIT-02).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.errors import ValidationError
from domain.model import (
    Channel,
    ContactKind,
    ContactPoint,
    Conversation,
    ConversationStatus,
    Group,
    Message,
    MessageDirection,
    Patient,
    StaffUser,
)
from domain.model.enums import Role
from domain.org_settings import HubSettings

__all__ = [
    "DEFAULT_EVENT_KEYWORDS",
    "ChatEvent",
    "ChatEventKind",
    "HubIntake",
    "Mentions",
    "Queue",
    "after_staff_message",
    "assign",
    "close",
    "find_keywords",
    "group_handle",
    "last_sender",
    "parse_mentions",
    "placeholder_patient",
    "queue_of",
    "receive_patient_message",
    "reopen",
    "reopens",
    "significant_length",
    "unassign",
    "user_handle",
    "visible_to",
]

DEFAULT_EVENT_KEYWORDS: tuple[str, ...] = ("urgent", "emergency", "refill", "billing")
"""Words that raise a ``chat.keyword`` event when no organisation list is configured (HUB-22)."""


class Queue(StrEnum):
    """The Hub queues (HUB-01): who has to act on a chat."""

    UNASSIGNED = "unassigned"
    MINE = "mine"
    OTHERS = "others"
    CLOSED = "closed"


class ChatEventKind(StrEnum):
    """Chat activity the custom-actions product can react to (HUB-22)."""

    UNEXPECTED_MESSAGE = "chat.unexpected_message"
    REOPENED = "chat.reopened"
    KEYWORD = "chat.keyword"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatEvent:
    """One chat event, stored as a ``domain_events`` row. Never carries message text."""

    kind: ChatEventKind
    conversation_id: str
    message_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        """The JSON payload of the ``domain_events`` row."""
        return {"conversation_id": self.conversation_id, "message_id": self.message_id,
                **self.data}


@dataclass(frozen=True, slots=True, kw_only=True)
class HubIntake:
    """What a patient message does to its chat.

    Attributes:
        conversation: the chat after the message.
        routed: True when the message put (or kept) the chat in an open Hub queue.
        reopened: True when it reopened a closed chat.
        events: chat events to record.
    """

    conversation: Conversation
    routed: bool
    reopened: bool
    events: tuple[ChatEvent, ...] = ()


def queue_of(conversation: Conversation, user_id: str) -> Queue:
    """The queue ``conversation`` is in, as seen by the user ``user_id``."""
    if conversation.status is ConversationStatus.CLOSED:
        return Queue.CLOSED
    if conversation.assignee_id is None:
        return Queue.UNASSIGNED
    return Queue.MINE if conversation.assignee_id == user_id else Queue.OTHERS


def significant_length(text: str) -> int:
    """The length of ``text`` counted the way the reopen rule counts it: runs of white space
    count as one character and leading or trailing white space not at all."""
    return len(" ".join(text.split()))


def reopens(text: str, *, min_chars: int) -> bool:
    """Whether an unexpected reply of ``text`` is long enough to reopen a closed chat (HUB-20).

    Args:
        text: the patient's message.
        min_chars: the organisation's minimum (``HubSettings.reopen_min_chars``, default 15).
    """
    return significant_length(text) >= min_chars


def find_keywords(text: str, keywords: Iterable[str]) -> tuple[str, ...]:
    """The ``keywords`` found in ``text`` as whole words, case and accents ignored, in the
    order given."""
    words = set(_fold(text).split())
    folded = _fold(" ".join(text.split()))
    found: list[str] = []
    for keyword in keywords:
        key = _fold(keyword).strip()
        if not key:
            continue
        hit = key in words if " " not in key else re.search(rf"\b{re.escape(key)}\b", folded)
        if hit and keyword not in found:
            found.append(keyword)
    return tuple(found)


def receive_patient_message(
    conversation: Conversation,
    *,
    text: str,
    message_id: str | None,
    expected: bool,
    in_hub: bool,
    settings: HubSettings,
    now: datetime,
    keywords: Sequence[str] = DEFAULT_EVENT_KEYWORDS,
) -> HubIntake:
    """Apply a patient's message to their chat (HUB-13, HUB-20, PIT-02).

    * An expected reply (it answered an open prompt, e.g. "C" to a reminder) never routes or
      reopens anything.
    * An unexpected message on a thread that is not yet a Hub chat opens it in Unassigned.
    * An unexpected message on an open Hub chat marks it unread and keeps its assignee.
    * An unexpected message on a closed Hub chat reopens it in Unassigned only when it has at
      least ``settings.reopen_min_chars`` characters (see :func:`reopens`).

    Args:
        conversation: the chat before the message.
        text: the message text.
        message_id: the stored message's id (carried by the events).
        expected: True when the message answered an open prompt.
        in_hub: True when the thread is already a Hub chat.
        settings: the organisation's Hub settings.
        now: the time of the message.
        keywords: words that raise ``chat.keyword`` events.

    Returns:
        The chat after the message, whether it is (now) in an open queue, and the events.
    """
    events: list[ChatEvent] = [
        ChatEvent(kind=ChatEventKind.KEYWORD, conversation_id=conversation.id,
                  message_id=message_id, data={"keyword": word})
        for word in find_keywords(text, keywords)
    ]
    moved = replace(conversation, last_message_at=now)
    if expected:
        return HubIntake(conversation=moved, routed=False, reopened=False, events=tuple(events))
    events.insert(0, ChatEvent(kind=ChatEventKind.UNEXPECTED_MESSAGE,
                               conversation_id=conversation.id, message_id=message_id))
    if not in_hub:
        opened = replace(moved, status=ConversationStatus.OPEN, assignee_id=None, unread=True)
        return HubIntake(conversation=opened, routed=True, reopened=False, events=tuple(events))
    if conversation.status is ConversationStatus.OPEN:
        return HubIntake(conversation=replace(moved, unread=True), routed=True, reopened=False,
                         events=tuple(events))
    if not reopens(text, min_chars=settings.reopen_min_chars):
        return HubIntake(conversation=moved, routed=False, reopened=False, events=tuple(events))
    events.insert(1, ChatEvent(kind=ChatEventKind.REOPENED, conversation_id=conversation.id,
                               message_id=message_id, data={"by": "patient"}))
    reopened = replace(reopen(moved, now), assignee_id=None, unread=True)
    return HubIntake(conversation=reopened, routed=True, reopened=True, events=tuple(events))


def assign(conversation: Conversation, assignee_id: str, now: datetime) -> Conversation:
    """The chat assigned to ``assignee_id``: the first assignment stamps ``assigned_at``, a move
    from another user ``reassigned_at`` (HUB-01). Assigning to the current assignee changes
    nothing."""
    if conversation.assignee_id == assignee_id:
        return conversation
    if conversation.assignee_id is None and conversation.assigned_at is None:
        return replace(conversation, assignee_id=assignee_id, assigned_at=now)
    return replace(conversation, assignee_id=assignee_id, reassigned_at=now)


def unassign(conversation: Conversation, now: datetime) -> Conversation:
    """The chat back in Unassigned (stamped as a reassignment when it had an assignee)."""
    if conversation.assignee_id is None:
        return conversation
    return replace(conversation, assignee_id=None, reassigned_at=now)


def close(conversation: Conversation, now: datetime) -> Conversation:
    """The chat closed (HUB-09); closing a closed chat changes nothing."""
    if conversation.status is ConversationStatus.CLOSED:
        return conversation
    return replace(conversation, status=ConversationStatus.CLOSED, closed_at=now, unread=False)


def reopen(conversation: Conversation, now: datetime) -> Conversation:
    """The chat open again, keeping its assignee; reopening an open chat changes nothing."""
    if conversation.status is ConversationStatus.OPEN:
        return conversation
    return replace(conversation, status=ConversationStatus.OPEN, reopened_at=now)


def after_staff_message(
    conversation: Conversation, author_id: str, *, ownership: str, now: datetime
) -> Conversation:
    """The chat after a staff member sent a message in it.

    With ``ownership == "last_sender"`` (HUB-23) the chat follows whoever sent last; with
    ``"assignment"`` only an explicit assignment moves it. Either way the chat is read.
    """
    read = replace(conversation, unread=False, last_message_at=now)
    if ownership == "last_sender":
        return assign(read, author_id, now)
    return read


def last_sender(messages: Sequence[Message]) -> str | None:
    """The staff user who most recently sent a message in the chat, if any (HUB-23)."""
    for message in reversed(messages):
        if message.direction is MessageDirection.OUTBOUND and message.author_id is not None:
            return message.author_id
    return None


# -- mentions ----------------------------------------------------------------------------------

_MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z0-9])")


@dataclass(frozen=True, slots=True)
class Mentions:
    """Who a note mentions (HUB-12)."""

    user_ids: tuple[str, ...] = ()
    group_ids: tuple[str, ...] = ()

    def notified_user_ids(self, users: Iterable[StaffUser], *, author_id: str) -> tuple[str, ...]:
        """Users to notify: those mentioned and the members of mentioned groups, except the
        author and inactive users, each once."""
        wanted: list[str] = []
        groups = set(self.group_ids)
        for user in users:
            if not user.active or user.id == author_id:
                continue
            if user.id in self.user_ids or user.group_ids & groups:
                wanted.append(user.id)
        return tuple(wanted)


def user_handle(user: StaffUser) -> str:
    """The handle that mentions ``user``: the local part of their email, lower case."""
    return user.email.rpartition("@")[0].lower()


def group_handle(group: Group) -> str:
    """The handle that mentions ``group``: its name in lower case with hyphens."""
    return "-".join(_fold(group.name).replace("_", " ").split()) or group.id.lower()


def parse_mentions(
    text: str, users: Iterable[StaffUser], groups: Iterable[Group]
) -> Mentions:
    """The users and groups ``@handle`` mentions in ``text`` name, in order of appearance.

    Handles are matched case-insensitively; unknown handles and email addresses are ignored.
    """
    by_user = {user_handle(u): u.id for u in users}
    by_group = {group_handle(g): g.id for g in groups}
    user_ids: list[str] = []
    group_ids: list[str] = []
    for match in _MENTION.finditer(text):
        handle = match.group(1).lower().rstrip(".")
        if handle in by_user and by_user[handle] not in user_ids:
            user_ids.append(by_user[handle])
        elif handle in by_group and by_group[handle] not in group_ids:
            group_ids.append(by_group[handle])
    return Mentions(tuple(user_ids), tuple(group_ids))


# -- visibility --------------------------------------------------------------------------------


def visible_to(facility_id: str | None, access: frozenset[str] | None, role: Role) -> bool:
    """Whether a user with facility ``access`` (None: every facility) and ``role`` may see data
    of ``facility_id`` (HUB-17).

    Data not yet tied to a facility (a text from an unknown number) is triage work: admins and
    managers see it until someone sets its facility.
    """
    if access is None:
        return True
    if facility_id is None:
        return role in (Role.ADMIN, Role.MANAGER)
    return facility_id in access


# -- unknown senders ---------------------------------------------------------------------------


def placeholder_patient(
    *, patient_id: str, org_id: str, channel: Channel, address: str, code: str
) -> Patient:
    """A placeholder profile for an unknown sender (HUB-14, PIT-04).

    Its temporary identifier ``TEMP-<code>`` stands in the MRN until staff identify the
    patient; the sender's number is kept as a contact when it is a phone number.

    Args:
        patient_id: the new profile's id.
        org_id: the organisation.
        channel: the channel the sender wrote on.
        address: the sender's address.
        code: a short random code, upper-case letters and digits.
    """
    contacts: tuple[ContactPoint, ...] = ()
    kind = {Channel.SMS: ContactKind.SMS, Channel.EMAIL: ContactKind.EMAIL}.get(channel)
    if kind is not None:
        try:
            contacts = (ContactPoint(kind=kind, value=address, preferred=True),)
        except ValidationError:
            contacts = ()
    return Patient(id=patient_id, org_id=org_id, first_name="", last_name="",
                   mrn=f"TEMP-{code}", contacts=contacts, placeholder=True)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^\w\s-]", " ", plain)
