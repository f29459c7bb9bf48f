"""The staff API of the bot's flows: create, validate, edit in versions, restore, hide,
archive; reword system messages. Changes reach the widget at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dialogs.bot.shipped import example_sources
from domain.storage import tables_channels as c
from gateway.bot.keys import BOT
from tests.gateway.bot.harness import PUBLIC_KEY, Site, start_site

DIRECTIONS = """\
flow: directions
title: Get directions
start: where
steps:
  where:
    ask: Which clinic are you visiting?
    options:
      - {label: Downtown, next: downtown}
      - {label: Lakeside, next: lakeside}
  downtown:
    say: We're at 100 Harbor Street; check in on the second floor.
    next: "@end"
  lakeside:
    say: We're at 250 Shore Drive; parking is behind the building.
    next: "@end"
"""


@pytest.fixture
async def site(aiohttp_client: Any, tmp_path: Path) -> Site:
    return await start_site(aiohttp_client, tmp_path)


def admin(site: Site) -> dict[str, str]:
    return site.auth(site.user_with_role("admin"))


async def menu(site: Site) -> list[str]:
    body = await (await site.client.get(f"/widget/config/{PUBLIC_KEY}")).json()
    options: list[str] = body["options"]
    return options


async def test_the_examples_are_there_from_the_start(site: Site) -> None:
    response = await site.client.get("/api/bot/flows", headers=admin(site))
    assert response.status == 200
    flows = (await response.json())["flows"]
    assert [f["key"] for f in flows] == list(example_sources())
    assert all(f["version"] == 1 and f["enabled"] for f in flows)


async def test_a_new_flow_joins_the_welcome_menu_and_answers(site: Site) -> None:
    response = await site.client.post("/api/bot/flows", json={"source": DIRECTIONS},
                                      headers=admin(site))
    assert response.status == 201, await response.text()
    assert (await response.json())["version"] == 1
    assert (await menu(site))[-2:] == ["Get directions", "Talk to our team"]
    await site.say("ws_dir", "Get directions")
    said = await site.say("ws_dir", "Lakeside")
    assert said[0] == "We're at 250 Shore Drive; parking is behind the building."


async def test_an_invalid_flow_is_refused_with_the_lines_of_its_problems(site: Site) -> None:
    broken = DIRECTIONS.replace("next: lakeside", "next: lakeshore").replace(
        "ask: Which", "aks: Which")
    response = await site.client.post("/api/bot/flows", json={"source": broken},
                                      headers=admin(site))
    assert response.status == 422
    body = await response.json()
    assert body["error"] == "invalid_flow"
    lines = {(p["line"], p["path"]) for p in body["problems"]}
    assert (6, "steps.where.aks") in lines
    checked = await site.client.post("/api/bot/flows/validate", json={"source": broken},
                                     headers=admin(site))
    assert (await checked.json())["valid"] is False
    fine = await site.client.post("/api/bot/flows/validate", json={"source": DIRECTIONS},
                                  headers=admin(site))
    outline = (await fine.json())["flow"]
    assert outline["states"] == ["where", "downtown", "lakeside", "@end"]


async def test_editing_makes_versions_that_can_be_restored(site: Site) -> None:
    url = "/api/bot/flows/directions"
    await site.client.post("/api/bot/flows", json={"source": DIRECTIONS}, headers=admin(site))
    changed = DIRECTIONS.replace("title: Get directions", "title: Find us")
    response = await site.client.put(url, json={"source": changed, "note": "shorter title"},
                                     headers=admin(site))
    assert (await response.json())["version"] == 2
    assert "Find us" in await menu(site)
    versions = (await (await site.client.get(f"{url}/versions", headers=admin(site))).json())
    assert [(v["version"], v["note"]) for v in versions["versions"]] == [
        (2, "shorter title"), (1, "")]
    restored = await site.client.post(f"{url}/versions/1/restore", headers=admin(site))
    assert (await restored.json())["version"] == 3
    assert "Get directions" in await menu(site)
    renamed = DIRECTIONS.replace("flow: directions", "flow: other")
    assert (await site.client.put(url, json={"source": renamed}, headers=admin(site))).status == 422


async def test_hiding_and_archiving_take_a_flow_off_the_menu(site: Site) -> None:
    hidden = await site.client.patch("/api/bot/flows/symptom_screening",
                                     json={"enabled": False}, headers=admin(site))
    assert hidden.status == 200
    assert "Check symptoms before a visit" not in await menu(site)
    gone = await site.client.delete("/api/bot/flows/ask_a_nurse", headers=admin(site))
    assert gone.status == 204
    assert "Ask a nurse" not in await menu(site)
    assert (await site.client.get("/api/bot/flows/ask_a_nurse", headers=admin(site))).status == 404


async def test_only_staff_who_manage_settings_may_change_flows(site: Site) -> None:
    staff = site.auth(site.user_with_role("staff"))
    assert (await site.client.get("/api/bot/flows", headers=staff)).status == 200
    refused = await site.client.post("/api/bot/flows", json={"source": DIRECTIONS}, headers=staff)
    assert refused.status == 403
    assert (await site.client.get("/api/bot/flows")).status == 401


async def test_system_messages_can_be_reworded_and_reset(site: Site) -> None:
    url = "/api/bot/messages/session.still_there"
    items = (await (await site.client.get("/api/bot/messages", headers=admin(site))).json())
    assert any(m["key"] == "end.menu" and not m["customised"] for m in items["messages"])
    bad = await site.client.put(url, json={"text": "Hello {secret}?"}, headers=admin(site))
    assert bad.status == 422
    good = await site.client.put(url, json={"text": "Still with us?"}, headers=admin(site))
    assert good.status == 200
    await site.say("ws_words", "Ask a nurse")
    site.clock.advance(timedelta(minutes=11))
    await site.app[BOT].scheduler.tick()
    (frame,) = await site.rows(sa.select(c.widget_frames.c.frame).where(
        c.widget_frames.c.session_id == "ws_words"))
    assert frame["frame"]["text"] == "Still with us?\n\n1. Yes, I'm here\n2. End the chat"
    assert (await site.client.delete(url, headers=admin(site))).status == 204
    listed = await (await site.client.get("/api/bot/messages", headers=admin(site))).json()
    still = next(m for m in listed["messages"] if m["key"] == "session.still_there")
    assert not still["customised"] and still["text"].startswith("Are you still there?")
    unknown = await site.client.put("/api/bot/messages/nope", json={"text": "x"},
                                    headers=admin(site))
    assert unknown.status == 404
    system = await (await site.client.get("/api/bot/system-flows", headers=admin(site))).json()
    assert [f["key"] for f in system["flows"]] == ["end", "feedback", "connect_with_staff"]
