"""The Hub's inbox page links to the other staff pages (the waitlist, the widget settings)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from gateway.bot.setup import setup_bot
from gateway.waitlist import setup_waitlist
from tests.gateway.hub.harness import Template, start_from


async def test_the_inbox_links_to_the_waitlist_and_the_widget_settings(
        hub_template: Template, aiohttp_client: Any, tmp_path: Path) -> None:
    client, clinic = await start_from(hub_template, aiohttp_client, tmp_path,
                                      features=[setup_waitlist, setup_bot])
    page = await client.get("/hub", headers=clinic.auth("downtown"))
    assert page.status == 200
    links = set(re.findall(r'href="(/[^"]*)"', await page.text()))
    assert {"/hub/waitlist", "/widget/preview"} <= links
    for link in ("/hub/waitlist", "/widget/preview"):
        response = await client.get(link, headers=clinic.auth("downtown"),
                                    allow_redirects=False)
        assert response.status == 200, (link, response.status)
