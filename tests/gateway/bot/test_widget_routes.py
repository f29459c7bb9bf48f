"""The widget's public routes: its settings and menu per organisation, its files, the demo and
preview pages; and a conversation over the real WebSocket."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from domain.org_settings import BotSettings, OrgSettings
from domain.storage import tables as t
from tests.gateway.bot.harness import PUBLIC_KEY, Site, start_site


@pytest.fixture
async def site(aiohttp_client: Any, tmp_path: Path) -> Site:
    return await start_site(aiohttp_client, tmp_path)


async def test_the_config_carries_the_organisations_bot_settings(site: Site) -> None:
    bot = BotSettings(name="Riley", avatar_url="/static/riley.png", primary_color="#123456",
                      accent_color="#fafafa", welcome_prompt="Hello from Riverbend!")
    settings = OrgSettings(bot=bot).to_dict()
    async with site.db.transaction() as conn:
        await conn.execute(t.organizations.update().values(settings=settings))
    response = await site.client.get(f"/widget/config/{PUBLIC_KEY}")
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = await response.json()
    assert {k: body[k] for k in ("name", "avatar_url", "primary_color", "accent_color",
                                 "welcome_prompt")} == {
        "name": "Riley", "avatar_url": "/static/riley.png", "primary_color": "#123456",
        "accent_color": "#fafafa", "welcome_prompt": "Hello from Riverbend!"}
    assert body["options"] == ["Ask a nurse", "Book an appointment",
                               "Request a prescription refill", "Check symptoms before a visit",
                               "Talk to our team"]


async def test_an_unknown_key_is_a_404(site: Site) -> None:
    for key in ("no-such-clinic", "bad%20key!", "x"):
        response = await site.client.get(f"/widget/config/{key}")
        assert response.status == 404, key


async def test_the_script_is_small_and_compressed(site: Site) -> None:
    response = await site.client.get("/widget/careline.js",
                                     headers={"Accept-Encoding": "gzip"}, auto_decompress=False)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/javascript")
    assert response.headers["Content-Encoding"] == "gzip"
    packed = await response.read()
    assert len(packed) < 6 * 1024
    script = gzip.decompress(packed).decode()
    assert "data-careline-key" in script
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    css = await site.client.get("/widget/careline.css")
    assert css.status == 200 and css.headers["Content-Type"].startswith("text/css")


async def test_the_demo_page_embeds_the_widget_with_one_script_tag(site: Site) -> None:
    response = await site.client.get("/widget/demo")
    assert response.status == 200
    page = await response.text()
    assert f'<script src="/widget/careline.js" data-careline-key="{PUBLIC_KEY}" async>' in page
    assert "Riverbend Health" in page
    visit = await (await site.client.get(f"/widget/demo?key={PUBLIC_KEY}&page=visit")).text()
    assert "Plan your visit" in visit
    assert (await site.client.get("/widget/demo?key=<script>x</script>")).status == 404


async def test_the_preview_page_shows_the_widget_with_its_settings_form(site: Site) -> None:
    response = await site.client.get(f"/widget/preview?key={PUBLIC_KEY}")
    page = await response.text()
    assert response.status == 200
    assert f'data-careline-key="{PUBLIC_KEY}"' in page and 'src="/widget/preview.js"' in page
    assert 'name="primary_color"' in page


async def test_a_conversation_over_the_websocket(site: Site) -> None:
    session = await (await site.client.post(f"/widget/session?key={PUBLIC_KEY}")).json()
    async with site.client.ws_connect(f"/widget/ws?token={session['token']}") as ws:
        assert (await ws.receive_json())["type"] == "ready"
        await ws.send_json({"type": "message", "id": "c1", "text": "Ask a nurse"})
        frames = [await ws.receive_json() for _ in range(4)]
    messages = sorted((f for f in frames if f["type"] == "message"), key=lambda f: f["seq"])
    assert [(m["sender"], m["text"]) for m in messages] == [
        ("patient", "Ask a nurse"),
        ("bot", "Our nurses answer questions during office hours. I'll take a few details "
                "first."),
        ("bot", "What is your full name?"),
    ]
    async with site.client.ws_connect(
        f"/widget/ws?token={session['token']}&last_seq={messages[0]['seq']}"
    ) as ws:
        assert (await ws.receive_json())["type"] == "ready"
        again = [await ws.receive_json() for _ in range(2)]
    assert [f["seq"] for f in again] == [messages[1]["seq"], messages[2]["seq"]]
    rows = await site.rows(sa.select(t.messages.c.body).where(
        t.messages.c.body == "What is your full name?"))
    assert len(rows) == 1
