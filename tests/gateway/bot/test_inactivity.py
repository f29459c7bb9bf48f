"""The inactivity timer with a movable clock (BOT-10, BOT-14): "Are you still there?" after 10
quiet minutes (15 for a verified visitor), the session's end 5 minutes later with the chat kept
in the Hub and on the patient's profile."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from domain.storage import tables as t
from domain.storage import tables_bot as b
from domain.storage import tables_channels as c
from domain.storage import tables_hub as h
from gateway.bot.keys import BOT
from tests.gateway.bot.harness import Site, start_site

STILL_THERE = "Are you still there?"


@pytest.fixture
async def site(aiohttp_client: Any, tmp_path: Path) -> Site:
    return await start_site(aiohttp_client, tmp_path)


async def tick_after(site: Site, minutes: float) -> int:
    site.clock.advance(timedelta(minutes=minutes))
    return await site.app[BOT].scheduler.tick()


async def frames_of(site: Site, session: str) -> list[str]:
    rows = await site.rows(sa.select(c.widget_frames.c.frame)
                           .where(c.widget_frames.c.session_id == session)
                           .order_by(c.widget_frames.c.seq))
    return [r["frame"]["text"] for r in rows]


async def test_still_there_after_ten_minutes_then_timeout_saves_the_chat(site: Site) -> None:
    for text in ("Ask a nurse", "Robin Quarry", "02/29/1988"):
        await site.say("ws_idle", text)
    assert await tick_after(site, 9.5) == 0
    assert await tick_after(site, 0.6) == 1
    (prompt,) = await frames_of(site, "ws_idle")
    assert prompt.startswith(STILL_THERE) and prompt.endswith("1. Yes, I'm here\n2. End the chat")
    assert await tick_after(site, 4.5) == 0
    assert await tick_after(site, 0.6) == 1
    notice = (await frames_of(site, "ws_idle"))[-1]
    assert notice.startswith("We didn't hear back, so this chat has ended.")

    conversation = await site.conversation_of("ws_idle")
    assert conversation["status"] == "closed" and not conversation["unread"]
    (chat,) = await site.rows(sa.select(h.hub_chats).where(
        h.hub_chats.c.conversation_id == conversation["id"]))
    assert chat["reason"] == "bot_transcript"
    (patient,) = await site.rows(sa.select(t.patients).where(
        t.patients.c.id == conversation["patient_id"]))
    assert (patient["first_name"], patient["last_name"]) == ("Robin", "Quarry")
    bodies = [r["body"] for r in await site.rows(
        sa.select(t.messages.c.body).where(t.messages.c.conversation_id == conversation["id"])
        .order_by(t.messages.c.created_at, t.messages.c.id))]
    assert bodies[:2] == ["Ask a nurse", "Our nurses answer questions during office hours. "
                          "I'll take a few details first."]
    assert bodies[-2].startswith(STILL_THERE) and bodies[-1].startswith("We didn't hear back")
    (session,) = await site.rows(sa.select(b.bot_sessions))
    assert session["status"] == "closed" and session["next_check_at"] is None
    assert await tick_after(site, 60) == 0


async def test_answering_still_there_carries_on_and_restarts_the_timer(site: Site) -> None:
    await site.say("ws_back", "Ask a nurse")
    await tick_after(site, 10.1)
    assert await site.say("ws_back", "Yes, I'm here") == [
        "Great, let's carry on.", "What is your full name?"]
    assert await tick_after(site, 9) == 0
    assert await tick_after(site, 1.1) == 1


async def test_a_verified_visitor_gets_five_more_minutes(site: Site) -> None:
    patient = site.patient_with_sms(0)
    assert patient.date_of_birth is not None
    for text in ("Book an appointment", f"{patient.first_name} {patient.last_name}",
                 patient.date_of_birth.isoformat()):
        await site.say("ws_verified", text)
    rows = await site.rows(sa.select(t.outbox.c.body).order_by(t.outbox.c.created_at.desc()))
    code = re.search(r"code is (\d{6})", rows[0]["body"])
    assert code is not None
    await site.say("ws_verified", code.group(1))
    assert await tick_after(site, 10.5) == 0
    assert await tick_after(site, 4.0) == 0
    assert await tick_after(site, 0.6) == 1
    assert (await frames_of(site, "ws_verified"))[-1].startswith(STILL_THERE)


async def test_no_timer_once_staff_have_the_chat(site: Site) -> None:
    for text in ("Ask a nurse", "Robin Quarry", "02/29/1988", "robin@example.org", "Hello?"):
        await site.say("ws_staff", text)
    assert await tick_after(site, 120) == 0
    assert await frames_of(site, "ws_staff") == []


async def test_ticks_running_at_once_prompt_only_once(site: Site) -> None:
    await site.say("ws_twice", "Ask a nurse")
    site.clock.advance(timedelta(minutes=11))
    scheduler = site.app[BOT].scheduler
    spoke = await asyncio.gather(scheduler.tick(), scheduler.tick(), scheduler.tick())
    assert sum(spoke) == 1
    assert len(await frames_of(site, "ws_twice")) == 1
