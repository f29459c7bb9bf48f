"""Working chats through the API: queues and filters, assignment, notes with mentions, replies
from a facility with squigglies, close and reopen, bulk actions, identifying a sender."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from aiohttp.test_utils import TestClient

from domain.model import (
    Channel,
    Conversation,
    Message,
    MessageDirection,
    MessageStatus,
    new_id,
)
from domain.storage import tables as t
from domain.storage import tables_hub as h
from domain.storage.repositories import ConversationRepository
from tests.gateway.hub.harness import Clinic

Hub = tuple[TestClient, Clinic]


async def get(client: TestClient, clinic: Clinic, user: str, path: str) -> Any:
    response = await client.get(path, headers=clinic.auth(user))
    assert response.status == 200, await response.text()
    return await response.json()


async def post(client: TestClient, clinic: Clinic, user: str, path: str, body: Any = None,
               status: int = 200) -> Any:
    response = await client.post(path, json=body if body is not None else {},
                                 headers=clinic.auth(user))
    assert response.status == status, await response.text()
    return await response.json()


async def queue(client: TestClient, clinic: Clinic, user: str, name: str, **query: str
                ) -> list[str]:
    params = "&".join(f"{k}={v}" for k, v in {"queue": name, **query}.items())
    body = await get(client, clinic, user, f"/api/conversations?{params}")
    return [item["id"] for item in body["items"]]


async def test_a_new_text_waits_in_unassigned_then_moves_with_its_assignee(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "Do you take walk-ins?")
    assert await queue(client, clinic, "downtown", "unassigned") == [chat.id]
    dana = clinic.user("downtown")
    assigned = await post(client, clinic, "manager", f"/api/conversations/{chat.id}/assign",
                          {"assignee_id": dana.id})
    assert assigned["queue"] == "others" and assigned["assigned_at"] is not None
    assert await queue(client, clinic, "downtown", "mine") == [chat.id]
    assert await queue(client, clinic, "manager", "others") == [chat.id]
    assert await queue(client, clinic, "downtown", "unassigned") == []
    counts = (await get(client, clinic, "downtown", "/api/conversations"))["counts"]
    assert counts == {"unassigned": 0, "mine": 1, "others": 0, "closed": 0}


async def test_assigning_to_someone_who_cannot_see_the_facility_is_refused(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "hello there")
    body = await post(client, clinic, "admin", f"/api/conversations/{chat.id}/assign",
                      {"assignee_id": clinic.user("foothills").id}, status=422)
    assert body["field"] == "assignee_id"


async def test_reassigning_to_the_last_sender(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "can someone call me")
    none_yet = await post(client, clinic, "admin", f"/api/conversations/{chat.id}/assign",
                          {"last_sender": True}, status=422)
    assert none_yet["field"] == "last_sender"
    await post(client, clinic, "admin", f"/api/conversations/{chat.id}/assign",
               {"assignee_id": clinic.user("manager").id})
    await _sent(clinic, chat, clinic.user("downtown").id)
    moved = await post(client, clinic, "admin", f"/api/conversations/{chat.id}/assign",
                       {"last_sender": True})
    assert moved["assignee_id"] == clinic.user("downtown").id
    assert moved["reassigned_at"] is not None


async def _sent(clinic: Clinic, chat: Conversation, author_id: str) -> None:
    """A staff message as the dispatcher records it once sent."""
    message = Message(id=new_id(), org_id=clinic.org_id, conversation_id=chat.id,
                      direction=MessageDirection.OUTBOUND, channel=chat.channel, body="Hi",
                      status=MessageStatus.SENT, created_at=clinic.clock.now(),
                      author_id=author_id)
    await clinic.run(lambda conn: ConversationRepository(conn).add_message(message))


async def test_with_last_sender_ownership_replying_takes_the_chat(hub: Hub) -> None:
    client, clinic = hub
    await client.patch("/api/settings/hub", json={"hub": {"ownership": "last_sender"}},
                       headers=clinic.auth("admin"))
    chat = await clinic.text_in(clinic.patient_at("downtown"), "is my form ready")
    await post(client, clinic, "downtown", f"/api/conversations/{chat.id}/messages",
               {"body": "Yes, it is.", "facility_id": clinic.facility("downtown")}, status=201)
    detail = await get(client, clinic, "admin", f"/api/conversations/{chat.id}")
    assert detail["assignee_id"] == clinic.user("downtown").id


async def test_a_reply_goes_out_through_the_outbox_from_a_facility_with_squigglies(hub: Hub
                                                                                    ) -> None:
    client, clinic = hub
    patient = clinic.patient_at("downtown")
    chat = await clinic.text_in(patient, "what time is my visit")
    sent = await post(client, clinic, "downtown", f"/api/conversations/{chat.id}/messages",
                      {"body": "Hi {{ patient.first_name }}, this is {{ staff.first_name }} "
                               "at {{ facility.name }}.",
                       "facility_id": clinic.facility("downtown")}, status=201)
    assert sent["body"] == f"Hi {patient.first_name}, this is Dana at Riverbend Downtown."
    async with clinic.db.read() as conn:
        row = (await conn.execute(sa.select(t.outbox).where(
            t.outbox.c.id == sent["outbox_id"]))).mappings().one()
    assert row["kind"] == "staff" and row["state"] == "pending"
    assert row["to_address"] == chat.patient_address
    assert row["facility_id"] == clinic.facility("downtown")
    assert row["context"]["author_id"] == clinic.user("downtown").id
    detail = await get(client, clinic, "downtown", f"/api/conversations/{chat.id}")
    assert [p["outbox_id"] for p in detail["pending"]] == [sent["outbox_id"]]


async def test_a_facility_is_required_unless_the_organisation_turned_that_off(hub: Hub
                                                                              ) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "quick question")
    path = f"/api/conversations/{chat.id}/messages"
    missing = await post(client, clinic, "downtown", path, {"body": "Sure."}, status=422)
    assert missing["field"] == "facility_id"
    other = await post(client, clinic, "downtown", path,
                       {"body": "Sure.", "facility_id": clinic.facility("foothills")},
                       status=422)
    assert other["field"] == "facility_id"
    await client.patch("/api/settings/hub", json={"hub": {"require_facility": False}},
                       headers=clinic.auth("admin"))
    await post(client, clinic, "downtown", path, {"body": "Sure."}, status=201)


async def test_squiggly_mistakes_are_shown_to_the_sender_and_nothing_is_sent(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(None, "hello who is this", address="+17185550143")
    path = f"/api/conversations/{chat.id}/messages"
    facility = clinic.facility("downtown")
    typo = await post(client, clinic, "admin", path,
                      {"body": "Hi {{ patient.frist_name }}", "facility_id": facility},
                      status=422)
    assert "patient.frist_name" in typo["message"]
    unknown = await post(client, clinic, "admin", path,
                         {"body": "Hi {{ patient.first_name }}", "facility_id": facility},
                         status=422)
    assert "no value" in unknown["message"]  # an unknown sender has no name on file
    async with clinic.db.read() as conn:
        count = (await conn.execute(sa.select(sa.func.count()).select_from(t.outbox).where(
            t.outbox.c.conversation_id == chat.id))).scalar_one()
    assert count == 0


async def test_notes_notify_mentioned_users_and_group_members_who_can_see_the_chat(hub: Hub
                                                                                   ) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "billing question")
    note = await post(client, clinic, "admin", f"/api/conversations/{chat.id}/notes",
                      {"body": "@riverbend-downtown-front-desk and @lakeside, thoughts?"},
                      status=201)
    dana, morgan, lee = (clinic.user(u).id for u in ("downtown", "manager", "lakeside"))
    assert set(note["notified_user_ids"]) == {dana, morgan}
    assert note["unreachable_user_ids"] == [lee]
    inbox = await get(client, clinic, "downtown", "/api/notifications")
    assert inbox["unread"] == 1
    assert inbox["items"][0]["conversation_id"] == chat.id
    assert inbox["items"][0]["actor_name"] == "Alex Admin"
    await post(client, clinic, "downtown", "/api/notifications/read", {})
    assert (await get(client, clinic, "downtown", "/api/notifications"))["unread"] == 0
    # Patients never see notes: nothing was queued for them.
    async with clinic.db.read() as conn:
        queued = (await conn.execute(sa.select(sa.func.count()).select_from(t.outbox).where(
            t.outbox.c.conversation_id == chat.id))).scalar_one()
    assert queued == 0


async def test_close_then_a_long_reply_reopens_but_a_short_one_does_not(hub: Hub) -> None:
    client, clinic = hub
    patient = clinic.patient_at("downtown")
    chat = await clinic.text_in(patient, "please call me back")
    await post(client, clinic, "downtown", f"/api/conversations/{chat.id}/assign",
               {"assignee_id": clinic.user("downtown").id})
    closed = await post(client, clinic, "downtown", f"/api/conversations/{chat.id}/close")
    assert closed["queue"] == "closed" and closed["closed_at"] is not None
    assert await queue(client, clinic, "downtown", "closed") == [chat.id]
    clinic.clock.advance(timedelta(minutes=5))
    await clinic.text_in(patient, "ok thx")
    assert await queue(client, clinic, "downtown", "closed") == [chat.id]
    await clinic.text_in(patient, "Actually I also need a new referral")
    assert await queue(client, clinic, "downtown", "unassigned") == [chat.id]
    detail = await get(client, clinic, "downtown", f"/api/conversations/{chat.id}")
    assert detail["reopened_at"] is not None and detail["unread"]
    async with clinic.db.read() as conn:
        kinds = (await conn.execute(sa.select(t.domain_events.c.kind).where(
            t.domain_events.c.org_id == clinic.org_id))).scalars().all()
    assert kinds.count("chat.reopened") == 1
    assert kinds.count("chat.unexpected_message") == 3


async def test_bulk_close_and_mark_unread(hub: Hub) -> None:
    client, clinic = hub
    first = await clinic.text_in(clinic.patient_at("downtown", index=0), "one")
    second = await clinic.text_in(clinic.patient_at("downtown", index=1), "two")
    await post(client, clinic, "downtown", f"/api/conversations/{first.id}/read",
               {"unread": False})
    result = await post(client, clinic, "downtown", "/api/conversations/bulk",
                        {"ids": [first.id, "NOPE"], "action": "mark_unread"})
    assert result == {"updated": [first.id], "skipped": ["NOPE"]}
    result = await post(client, clinic, "downtown", "/api/conversations/bulk",
                        {"ids": [first.id, second.id], "action": "close"})
    assert sorted(result["updated"]) == sorted([first.id, second.id])
    assert sorted(await queue(client, clinic, "downtown", "closed")) == \
        sorted([first.id, second.id])
    bad = await post(client, clinic, "downtown", "/api/conversations/bulk",
                     {"ids": [first.id], "action": "delete"}, status=422)
    assert bad["field"] == "action"


async def test_filters_by_text_facility_group_and_user(hub: Hub) -> None:
    client, clinic = hub
    downtown = await clinic.text_in(clinic.patient_at("downtown"), "my inhaler ran out")
    lakeside = await clinic.text_in(clinic.patient_at("lakeside"), "parking question")
    assert await queue(client, clinic, "manager", "unassigned", q="INHALER") == [downtown.id]
    assert await queue(client, clinic, "manager", "unassigned",
                       facility_id=clinic.facility("lakeside")) == [lakeside.id]
    lee = clinic.user("lakeside")
    await post(client, clinic, "admin", f"/api/conversations/{lakeside.id}/assign",
               {"assignee_id": lee.id})
    lakeside_group = next(g for g in clinic.data.groups if "Lakeside" in g.name)
    assert await queue(client, clinic, "manager", "others",
                       group_id=lakeside_group.id) == [lakeside.id]
    assert await queue(client, clinic, "manager", "others", user_id=lee.id) == [lakeside.id]
    assert await queue(client, clinic, "manager", "unassigned", user_id=lee.id) == []
    # Percent signs are text, not wildcards.
    assert await queue(client, clinic, "manager", "unassigned", q="%25") == []


async def test_an_unknown_sender_is_identified_by_linking_or_completing_the_profile(hub: Hub
                                                                                    ) -> None:
    client, clinic = hub
    chat = await clinic.text_in(None, "hi it's me, new number", address="+17185550144")
    detail = await get(client, clinic, "admin", f"/api/conversations/{chat.id}")
    assert detail["patient"]["placeholder"]
    assert detail["patient"]["temporary_id"].startswith("TEMP-")
    assert detail["facility_id"] is None
    # Triage: the admin ties it to Downtown, where front-desk staff then see it.
    await client.patch(f"/api/conversations/{chat.id}", headers=clinic.auth("admin"),
                       json={"facility_id": clinic.facility("downtown")})
    assert chat.id in await queue(client, clinic, "downtown", "unassigned")
    completed = await post(client, clinic, "downtown", f"/api/conversations/{chat.id}/identity",
                           {"first_name": "Rowan", "last_name": "Quimby",
                            "date_of_birth": "1990-06-01"})
    patient = await get(client, clinic, "downtown", f"/api/patients/{completed['patient_id']}")
    assert patient["patient"]["name"] == "Rowan Quimby"
    assert not patient["patient"]["placeholder"]
    again = await post(client, clinic, "downtown", f"/api/conversations/{chat.id}/identity",
                       {"first_name": "X", "last_name": "Y"}, status=409)
    assert again["error"] == "conflict"
    known = clinic.patient_at("downtown")
    linked = await post(client, clinic, "downtown", f"/api/conversations/{chat.id}/identity",
                        {"patient_id": known.id})
    assert linked["patient_id"] == known.id


async def test_viewing_a_chat_is_audited_without_patient_data(hub: Hub) -> None:
    client, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "private words here")
    for _ in range(3):  # the page re-reads an open chat at every live update
        await get(client, clinic, "downtown", f"/api/conversations/{chat.id}")
    clinic.clock.advance(timedelta(minutes=11))
    await get(client, clinic, "downtown", f"/api/conversations/{chat.id}")
    async with clinic.db.read() as conn:
        rows = (await conn.execute(sa.select(t.audit_log).where(
            t.audit_log.c.entity_id == chat.id))).mappings().all()
    views = [r for r in rows if r["action"] == "view"]
    assert len(views) == 2
    view = views[0]
    assert view["actor_id"] == clinic.user("downtown").id
    assert "private" not in str(view["detail"])
    audit = await get(client, clinic, "admin", f"/api/audit?entity_id={chat.id}")
    assert any(item["action"] == "view" for item in audit["items"])


async def test_chat_events_and_hub_membership_are_stored(hub: Hub) -> None:
    _, clinic = hub
    chat = await clinic.text_in(clinic.patient_at("downtown"), "urgent: I need a refill")
    async with clinic.db.read() as conn:
        events = (await conn.execute(sa.select(t.domain_events.c.kind, t.domain_events.c.payload)
                                     .where(t.domain_events.c.org_id == clinic.org_id))).all()
        routed = (await conn.execute(sa.select(h.hub_chats.c.reason).where(
            h.hub_chats.c.conversation_id == chat.id))).scalar_one()
    assert routed == "patient_message"
    assert sorted(k for k, _ in events) == ["chat.keyword", "chat.keyword",
                                            "chat.unexpected_message"]
    assert {p.get("keyword") for k, p in events if k == "chat.keyword"} == {"urgent", "refill"}
    assert all("refill" not in str(p.get("text", "")) for _, p in events)


async def test_threads_other_parts_mark_unread_are_listed_and_reminder_threads_are_not(
    hub: Hub,
) -> None:
    client, clinic = hub

    async def threads(conn: Any) -> tuple[str, str]:
        repo = ConversationRepository(conn)
        now = clinic.clock.now()
        quiet, _ = await repo.get_or_create(  # a reminder thread: open, read, not routed
            org_id=clinic.org_id, channel=Channel.SMS, patient_address="+17185550160",
            careline_address="+18885550123", patient_id=None,
            facility_id=clinic.facility("downtown"), at=now)
        failed, _ = await repo.get_or_create(
            org_id=clinic.org_id, channel=Channel.SMS, patient_address="+17185550161",
            careline_address="+18885550123", patient_id=None,
            facility_id=clinic.facility("downtown"), at=now)
        # What the inbound pipeline does when the responder failed: open and unread.
        await repo.save(replace(failed, unread=True))
        return quiet.id, failed.id

    quiet, failed = await clinic.run(threads)
    listed = await queue(client, clinic, "downtown", "unassigned")
    assert failed in listed and quiet not in listed

