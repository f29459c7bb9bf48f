"""The Hub's rules: queues, the reopen rule, ownership, @mentions and facility visibility."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain import hub_rules
from domain.hub_rules import ChatEventKind, Queue
from domain.model import (
    Channel,
    Conversation,
    ConversationStatus,
    Group,
    Message,
    MessageDirection,
    MessageStatus,
    StaffUser,
)
from domain.model.enums import Role
from domain.org_settings import HubSettings

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=2)


def chat(**overrides: object) -> Conversation:
    values: dict[str, object] = dict(
        id="c1", org_id="o", channel=Channel.SMS, patient_address="+13125550100",
        careline_address="+18885550123", created_at=NOW, unread=False,
    )
    values.update(overrides)
    return Conversation(**values)  # type: ignore[arg-type]


def closed_chat() -> Conversation:
    return chat(status=ConversationStatus.CLOSED, assignee_id="u1", assigned_at=NOW,
                closed_at=NOW)


def receive(conversation: Conversation, text: str, *, expected: bool = False,
            in_hub: bool = True, min_chars: int = 15) -> hub_rules.HubIntake:
    return hub_rules.receive_patient_message(
        conversation, text=text, message_id="m1", expected=expected, in_hub=in_hub,
        settings=HubSettings(reopen_min_chars=min_chars), now=LATER, keywords=("refill",),
    )


def user(user_id: str, email: str, *, role: Role = Role.STAFF, groups: frozenset[str] =
         frozenset(), active: bool = True) -> StaffUser:
    return StaffUser(id=user_id, org_id="o", email=email, name=user_id.title(), role=role,
                     group_ids=groups, active=active, created_at=NOW)


# -- reopen rule (HUB-13, HUB-20) ---------------------------------------------------------------


def test_a_long_unexpected_reply_reopens_a_closed_chat_in_unassigned() -> None:
    intake = receive(closed_chat(), "Can I come in on Thursday instead?")
    assert intake.reopened and intake.routed
    assert intake.conversation.status is ConversationStatus.OPEN
    assert intake.conversation.assignee_id is None
    assert intake.conversation.unread
    assert intake.conversation.reopened_at == LATER
    assert hub_rules.queue_of(intake.conversation, "u1") is Queue.UNASSIGNED
    kinds = [e.kind for e in intake.events]
    assert kinds == [ChatEventKind.UNEXPECTED_MESSAGE, ChatEventKind.REOPENED]


def test_a_short_unexpected_reply_leaves_a_closed_chat_closed() -> None:
    intake = receive(closed_chat(), "thanks!")
    assert not intake.reopened and not intake.routed
    assert intake.conversation.status is ConversationStatus.CLOSED
    assert [e.kind for e in intake.events] == [ChatEventKind.UNEXPECTED_MESSAGE]


def test_an_expected_reply_never_reopens_however_long() -> None:
    intake = receive(closed_chat(), "C" * 200, expected=True)
    assert not intake.reopened and not intake.routed
    assert intake.conversation.status is ConversationStatus.CLOSED
    assert intake.events == ()


@given(text=st.text(max_size=60), min_chars=st.integers(1, 40))
def test_a_closed_chat_reopens_exactly_when_the_reply_is_long_enough(
    text: str, min_chars: int
) -> None:
    intake = receive(closed_chat(), text, min_chars=min_chars)
    long_enough = len(" ".join(text.split())) >= min_chars
    assert intake.reopened is long_enough
    assert (intake.conversation.status is ConversationStatus.OPEN) is long_enough


def test_padding_with_spaces_does_not_reach_the_minimum() -> None:
    assert not hub_rules.reopens("ok" + " " * 40, min_chars=15)
    assert hub_rules.reopens("fifteen chars!!", min_chars=15)


def test_a_message_on_an_open_chat_keeps_its_assignee_and_marks_it_unread() -> None:
    intake = receive(chat(assignee_id="u1", assigned_at=NOW), "one more question")
    assert intake.routed and not intake.reopened
    assert intake.conversation.assignee_id == "u1"
    assert intake.conversation.unread


def test_a_first_unexpected_message_opens_the_thread_in_unassigned_whatever_its_length() -> None:
    thread = chat(status=ConversationStatus.CLOSED)  # e.g. a reminder thread never in the Hub
    intake = receive(thread, "hi", in_hub=False)
    assert intake.routed
    assert intake.conversation.status is ConversationStatus.OPEN
    assert hub_rules.queue_of(intake.conversation, "u1") is Queue.UNASSIGNED


def test_keywords_raise_events_even_on_expected_replies() -> None:
    intake = receive(closed_chat(), "C and I need a REFILL", expected=True)
    assert [e.kind for e in intake.events] == [ChatEventKind.KEYWORD]
    assert intake.events[0].payload() == {"conversation_id": "c1", "message_id": "m1",
                                          "keyword": "refill"}


def test_keywords_match_whole_words_only() -> None:
    assert hub_rules.find_keywords("refilling is done", ["refill"]) == ()
    assert hub_rules.find_keywords("Réfill please", ["refill"]) == ("refill",)
    assert hub_rules.find_keywords("chest pain now", ["chest pain"]) == ("chest pain",)


# -- queues and ownership (HUB-01, HUB-23) ------------------------------------------------------


def test_queues_follow_status_and_assignee() -> None:
    assert hub_rules.queue_of(chat(), "me") is Queue.UNASSIGNED
    assert hub_rules.queue_of(chat(assignee_id="me"), "me") is Queue.MINE
    assert hub_rules.queue_of(chat(assignee_id="you"), "me") is Queue.OTHERS
    assert hub_rules.queue_of(closed_chat(), "u1") is Queue.CLOSED


def test_first_assignment_and_reassignment_are_stamped_apart() -> None:
    first = hub_rules.assign(chat(), "u1", NOW)
    assert (first.assigned_at, first.reassigned_at) == (NOW, None)
    again = hub_rules.assign(first, "u2", LATER)
    assert (again.assigned_at, again.reassigned_at, again.assignee_id) == (NOW, LATER, "u2")
    assert hub_rules.assign(again, "u2", LATER + timedelta(hours=1)) == again
    back = hub_rules.unassign(again, LATER)
    assert back.assignee_id is None and back.reassigned_at == LATER


def test_close_and_reopen_stamp_once() -> None:
    closed = hub_rules.close(chat(unread=True), NOW)
    assert closed.status is ConversationStatus.CLOSED and closed.closed_at == NOW
    assert not closed.unread
    assert hub_rules.close(closed, LATER) == closed
    reopened = hub_rules.reopen(closed, LATER)
    assert reopened.status is ConversationStatus.OPEN and reopened.reopened_at == LATER
    assert hub_rules.reopen(reopened, LATER + timedelta(hours=1)) == reopened


def test_with_last_sender_ownership_the_sender_takes_the_chat() -> None:
    owned = chat(assignee_id="u1", assigned_at=NOW, unread=True)
    moved = hub_rules.after_staff_message(owned, "u2", ownership="last_sender", now=LATER)
    assert moved.assignee_id == "u2" and moved.reassigned_at == LATER and not moved.unread
    kept = hub_rules.after_staff_message(owned, "u2", ownership="assignment", now=LATER)
    assert kept.assignee_id == "u1" and not kept.unread


def test_last_sender_is_the_latest_staff_author() -> None:
    def message(direction: MessageDirection, author: str | None, minute: int) -> Message:
        return Message(id=f"m{minute}", org_id="o", conversation_id="c1", direction=direction,
                       channel=Channel.SMS, body="x", status=MessageStatus.SENT,
                       created_at=NOW + timedelta(minutes=minute), author_id=author)

    messages = [message(MessageDirection.OUTBOUND, "u1", 1),
                message(MessageDirection.OUTBOUND, "u2", 2),
                message(MessageDirection.OUTBOUND, None, 3),
                message(MessageDirection.INBOUND, None, 4)]
    assert hub_rules.last_sender(messages) == "u2"
    assert hub_rules.last_sender(messages[2:]) is None


# -- mentions (HUB-12) --------------------------------------------------------------------------

USERS = [
    user("dana", "dana.d@riverbend.example", groups=frozenset({"g1"})),
    user("lee", "lee@riverbend.example", groups=frozenset({"g2"})),
    user("gone", "gone@riverbend.example", groups=frozenset({"g1"}), active=False),
]
GROUPS = [Group(id="g1", org_id="o", name="Downtown front desk"),
          Group(id="g2", org_id="o", name="Lakeside nurses")]


def test_mentions_name_users_by_email_handle_and_groups_by_name() -> None:
    found = hub_rules.parse_mentions(
        "@Dana.D please call, cc @downtown-front-desk and @nobody (ana@example.com)",
        USERS, GROUPS,
    )
    assert found.user_ids == ("dana",)
    assert found.group_ids == ("g1",)


def test_group_mentions_notify_active_members_but_not_the_author() -> None:
    found = hub_rules.parse_mentions("@downtown-front-desk @lee", USERS, GROUPS)
    assert found.notified_user_ids(USERS, author_id="lee") == ("dana",)


@given(st.text(max_size=200))
def test_mention_parsing_only_ever_returns_known_ids(text: str) -> None:
    found = hub_rules.parse_mentions(text, USERS, GROUPS)
    assert set(found.user_ids) <= {u.id for u in USERS}
    assert set(found.group_ids) <= {g.id for g in GROUPS}
    assert len(set(found.user_ids)) == len(found.user_ids)


# -- visibility (HUB-17) and unknown senders (HUB-14) -------------------------------------------


def test_visibility_follows_facility_access() -> None:
    assert hub_rules.visible_to("f1", None, Role.ADMIN)
    assert hub_rules.visible_to("f1", frozenset({"f1"}), Role.STAFF)
    assert not hub_rules.visible_to("f2", frozenset({"f1"}), Role.STAFF)
    assert not hub_rules.visible_to("f2", frozenset({"f1"}), Role.MANAGER)
    # Chats without a facility are triage work for managers, not for front-desk staff.
    assert hub_rules.visible_to(None, frozenset({"f1"}), Role.MANAGER)
    assert not hub_rules.visible_to(None, frozenset({"f1"}), Role.STAFF)


def test_an_unknown_sender_gets_a_placeholder_with_a_temporary_id_and_their_number() -> None:
    patient = hub_rules.placeholder_patient(patient_id="p", org_id="o", channel=Channel.SMS,
                                            address="+13125550100", code="7KQ3M2")
    assert patient.placeholder and patient.mrn == "TEMP-7KQ3M2"
    assert patient.display_name == "Unknown sender"
    assert [c.value for c in patient.contacts] == ["+13125550100"]
    widget = hub_rules.placeholder_patient(patient_id="p", org_id="o", channel=Channel.WIDGET,
                                           address="session-1", code="AAAAAA")
    assert widget.contacts == ()


def test_changes_do_not_touch_other_fields() -> None:
    original = chat(group_id="g1", facility_id="f1")
    intake = receive(replace(original, status=ConversationStatus.CLOSED),
                     "A long enough reply to reopen it")
    assert (intake.conversation.group_id, intake.conversation.facility_id) == ("g1", "f1")
