"""The website widget in a real browser (Debian's Chromium driven by Playwright) on the demo
page: Ask a nurse lands in the Hub, an appointment is booked, the inactivity prompt and timeout
follow a movable clock, nothing anyone types is read as HTML, and the conversation survives
page navigation and dropped connections without losing or repeating a message."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from channels.senders import build_senders
from domain.clock import MovableClock
from domain.storage import tables as t
from gateway.dispatcher import SENDERS
from gateway.dispatcher.config import DispatcherConfig
from gateway.dispatcher.setup import setup_dispatcher
from gateway.keys import CLOCK, DB, SETTINGS, STORES
from tests.gateway.bot.harness import (
    Site,
    bot_settings,
    build_app,
    demo_clinic,
    template_database,
)

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Set CARELINE_SCREENSHOTS=docs/screenshots to refresh the README's pictures on the way.
_SHOTS = os.environ.get("CARELINE_SCREENSHOTS", "")
SCREENSHOTS = Path(_SHOTS) if _SHOTS else None
WAIT_MS = 15_000
# Keeps every WebSocket the page opens, so a test can drop the connection like a flaky network.
TRACK_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = function (url, protocols) {
    const ws = new Native(url, protocols);
    window.__sockets.push(ws);
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
})();
"""


def _dispatcher(app: web.Application) -> None:
    app[SENDERS] = build_senders(app[SETTINGS], db=app[DB], stores=app[STORES], clock=app[CLOCK])
    setup_dispatcher(app, config=DispatcherConfig(poll_interval=0.1))


@dataclass
class Browser:
    site: Site
    url: str
    browser: Any


@pytest.fixture
def chromium() -> str:
    """Debian's Chromium; skips (fails under CARELINE_REQUIRE_SERVICES) when it is missing."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CARELINE_REQUIRE_SERVICES", "") not in ("", "0", "false"):
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
async def running(tmp_path: Path, chromium: str) -> AsyncIterator[Browser]:
    from playwright.async_api import async_playwright

    shutil.copyfile(await template_database(40), tmp_path / "careline.db")
    clock = MovableClock(datetime.now(UTC))
    settings = bot_settings(tmp_path, CARELINE_RUN_DISPATCHER="true")
    app = build_app(settings, clock, tick_seconds=0.2, features=[_dispatcher])
    server = TestServer(app, host="127.0.0.1")
    client = TestClient(server)
    await client.start_server()
    site = Site(app=app, client=client, clock=clock, data=demo_clinic(40))
    await site.make_tokens()
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
            try:
                yield Browser(site, str(server.make_url("/widget/demo")), browser)
            finally:
                await browser.close()
    finally:
        await client.close()


class Widget:
    """The demo page with the widget, as a visitor uses it."""

    def __init__(self, page: Any) -> None:
        from playwright.async_api import expect

        self.page = page
        self.expect = expect
        page.set_default_timeout(WAIT_MS)

    @classmethod
    async def open(cls, running: Browser, *, width: int = 1100, height: int = 760) -> Widget:
        page = await running.browser.new_page(viewport={"width": width, "height": height})
        await page.add_init_script(TRACK_SOCKETS)
        await page.goto(running.url)
        widget = cls(page)
        await page.locator(".cl-launcher").click()
        await widget.expect(page.locator(".cl-input")).to_be_focused()
        return widget

    async def choose(self, label: str) -> None:
        await self.page.locator(".cl-option", has_text=label).first.click()

    async def send(self, text: str) -> None:
        box = self.page.locator(".cl-input")
        await box.fill(text)
        await box.press("Enter")

    async def bot_says(self, text: str) -> None:
        await self.expect(self.page.locator(".cl-bot p").last).to_contain_text(text)

    async def answer(self, text: str, then: str) -> None:
        await self.send(text)
        await self.bot_says(then)

    async def log(self) -> list[str]:
        texts: list[str] = await self.page.locator(".cl-msg p").all_inner_texts()
        return texts


async def test_ask_a_nurse_end_to_end_lands_in_the_hub(running: Browser) -> None:
    widget = await Widget.open(running)
    await widget.expect(widget.page.locator(".cl-title")).to_have_text("Careline Assistant")
    await widget.choose("Ask a nurse")
    await widget.bot_says("What is your full name?")
    await widget.answer("Robin Quarry", "What is your date of birth?")
    # The visitor moves to another page of the site: the chat carries on where it was.
    await widget.page.get_by_role("link", name="Plan your visit").click()
    await widget.expect(widget.page.locator("h1")).to_have_text("Plan your visit")
    await widget.bot_says("What is your date of birth?")
    await widget.expect(widget.page.locator(".cl-panel")).to_be_visible()
    await widget.answer("02/29/1988", "What phone number or email address")
    await widget.answer("robin@example.org", "What would you like to ask the nurse?")
    await widget.answer("Can I take ibuprofen with my new prescription?",
                        "Your question is with our nurses")
    log = await widget.log()
    assert log.count("What is your full name?") == 1 and log.count("Robin Quarry") == 1

    site = running.site
    admin = site.auth(site.user_with_role("admin"))
    response = await site.client.get("/api/conversations?queue=unassigned", headers=admin)
    items = (await response.json())["items"]
    found = [i for i in items if i["channel"] == "widget"]
    assert len(found) == 1, items
    detail = await (await site.client.get(f"/api/conversations/{found[0]['id']}",
                                          headers=admin)).json()
    assert detail["patient"]["name"] == "Robin Quarry" and detail["patient"]["placeholder"]
    assert any("ibuprofen" in n["body"] for n in detail["notes"])
    texts = [m["body"] for m in detail["messages"]]
    assert "Can I take ibuprofen with my new prescription?" in texts


async def test_booking_an_appointment_end_to_end(running: Browser) -> None:
    site = running.site
    patient = site.patient_with_sms(3)
    assert patient.date_of_birth is not None
    began = site.clock.now()
    widget = await Widget.open(running)
    await widget.choose("Book an appointment")
    await widget.answer(f"{patient.first_name} {patient.last_name}", "date of birth")
    await widget.answer(patient.date_of_birth.strftime("%m/%d/%Y"), "I sent a code to")
    rows = await site.rows(sa.select(t.outbox.c.body).where(
        t.outbox.c.patient_id == patient.id, t.outbox.c.created_at >= began))
    code = re.search(r"code is (\d{6})", rows[-1]["body"])
    assert code is not None
    await widget.answer(code.group(1), "Which of these times suits you?")
    options = await widget.page.locator(".cl-option").all_inner_texts()
    assert len(options) >= 2
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await widget.page.mouse.move(5, 5)  # no button under the pointer in the picture
        await widget.page.screenshot(path=str(SCREENSHOTS / "widget.png"))
    await widget.choose(options[1])
    await widget.expect(widget.page.locator(".cl-bot p").nth(-2)).to_contain_text(
        f"You're booked for {options[1]}")
    (appointment,) = await site.rows(sa.select(t.appointments).where(
        t.appointments.c.patient_id == patient.id, t.appointments.c.created_at >= began))
    assert appointment["status"] == "booked"


async def test_inactivity_prompt_and_timeout_follow_the_clock(running: Browser) -> None:
    widget = await Widget.open(running, width=390, height=760)  # a phone
    await widget.choose("Ask a nurse")
    await widget.bot_says("What is your full name?")
    running.site.clock.advance(timedelta(minutes=10, seconds=5))
    await widget.bot_says("Are you still there?")
    await widget.expect(widget.page.locator(".cl-option")).to_have_text(
        ["Yes, I'm here", "End the chat"])
    if SCREENSHOTS is not None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        await widget.page.screenshot(path=str(SCREENSHOTS / "widget-phone.png"))
    running.site.clock.advance(timedelta(minutes=5, seconds=5))
    await widget.bot_says("We didn't hear back, so this chat has ended.")
    await widget.expect(widget.page.locator(".cl-option")).to_have_count(0)


async def test_markup_from_a_visitor_or_staff_is_shown_as_text(running: Browser) -> None:
    visitor_payload = '<img src=x onerror="window.__pwned=1">'
    staff_payload = "<script>window.__pwned=2</script><b>bold</b> & <i>co</i>"
    widget = await Widget.open(running)
    await widget.choose("Ask a nurse")
    for text, then in (("Robin Quarry", "date of birth"), ("02/29/1988", "reach you at"),
                       ("robin@example.org", "What would you like to ask")):
        await widget.answer(text, then)
    await widget.answer(visitor_payload, "Your question is with our nurses")
    site = running.site
    conversation = (await site.rows(sa.select(t.conversations.c.id).where(
        t.conversations.c.channel == "widget")))[0]
    facility = site.data.facilities[0].id
    sent = await site.client.post(
        f"/api/conversations/{conversation['id']}/messages",
        json={"body": staff_payload, "facility_id": facility},
        headers=site.auth(site.user_with_role("admin")),
    )
    assert sent.status in (200, 201), await sent.text()
    await widget.expect(widget.page.locator(".cl-msg p").last).to_have_text(staff_payload)
    assert visitor_payload in await widget.log()
    assert await widget.page.evaluate("window.__pwned") is None
    for tag in ("img", "script", "b", "i"):
        assert await widget.page.locator(f".cl-log {tag}").count() == 0


async def test_a_dropped_connection_loses_and_repeats_nothing(running: Browser) -> None:
    widget = await Widget.open(running)
    await widget.choose("Ask a nurse")
    await widget.bot_says("What is your full name?")
    # The network drops; the visitor keeps typing; the widget reconnects and resumes.
    await widget.page.evaluate("window.__sockets.forEach((s) => s.close())")
    await widget.send("Robin Quarry")
    await widget.bot_says("What is your date of birth?")
    await widget.page.evaluate("window.__sockets.forEach((s) => s.close())")
    await widget.answer("02/29/1988", "What phone number or email address")
    assert await widget.page.evaluate("window.__sockets.length") >= 3
    log = await widget.log()
    assert log.count("Robin Quarry") == 1 and log.count("02/29/1988") == 1
    assert log.count("What is your date of birth? For example 03/14/1985.") == 1
    await widget.page.reload()
    await widget.bot_says("What phone number or email address")
    assert await widget.log() == log
    rows = await running.site.rows(sa.select(t.messages.c.body).where(
        t.messages.c.body == "Robin Quarry"))
    assert len(rows) == 1


async def test_keyboard_and_screen_reader_use(running: Browser) -> None:
    page = await running.browser.new_page(viewport={"width": 390, "height": 700})
    await page.goto(running.url)
    widget = Widget(page)
    launcher = page.locator(".cl-launcher")
    await widget.expect(launcher).to_have_attribute("aria-label", "Chat with Careline Assistant")
    await launcher.focus()
    await page.keyboard.press("Enter")
    await widget.expect(launcher).to_have_attribute("aria-expanded", "true")
    await widget.expect(page.locator(".cl-input")).to_be_focused()
    await widget.expect(page.locator(".cl-log")).to_have_attribute("role", "log")
    await widget.expect(page.locator(".cl-log")).to_have_attribute("aria-live", "polite")
    await widget.expect(page.get_by_label("Your message")).to_be_visible()
    box = await page.locator(".cl-panel").bounding_box()
    assert box is not None and box["width"] == 390  # the whole screen of a phone
    await page.keyboard.type("Talk to our team")
    await page.keyboard.press("Enter")
    await widget.bot_says("What is your full name?")
    assert await page.locator(".cl-patient").last.text_content() == "You: Talk to our team"
    await page.keyboard.press("Escape")
    await widget.expect(page.locator(".cl-panel")).to_be_hidden()
    await widget.expect(launcher).to_be_focused()
    await widget.expect(launcher).to_have_attribute("aria-expanded", "false")
