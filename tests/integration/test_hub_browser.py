"""The Hub in a real browser (Playwright driving Debian's Chromium).

A patient of Riverbend Downtown texts through the simulator (the channels' simulator API, so
the text goes through the inbound pipeline and the dialog manager like a Twilio text). Dana
(Downtown front desk) watches it arrive live in Unassigned, takes it, leaves an @mention for
Morgan (who is notified live), replies from Downtown, and closes the chat. A short "ok
thanks" leaves it closed; a longer reply reopens it. Frankie (Foothills) never sees it, in the
page or through the API.

Set ``CARELINE_SCREENSHOTS=docs/screenshots`` to save the README's screenshots on the way.
"""

from __future__ import annotations

import json
import os
import re
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from domain.model import ContactKind, Patient
from tests.gateway.hub.harness import DEMO_PASSWORD, ServedHub, Template, hub_template

__all__ = ["hub_template"]

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WAIT = 10_000  # ms


def _features() -> list[Any]:
    """The channel gateway (simulator, inbound pipeline) and the dialog manager."""
    from gateway.webhooks.setup import setup_channels

    features: list[Any] = [setup_channels]
    try:
        from gateway.dialog_responder import setup_dialogs
    except ImportError:  # no dialog manager: the Hub's own responder routes every text
        from gateway.hub.intake import HubResponder
        from gateway.inbound.keys import RESPONDER

        def hub_responder(app: Any) -> None:
            app[RESPONDER] = HubResponder()

        features.append(hub_responder)
    else:
        features.append(setup_dialogs)
    return features


@pytest.fixture(scope="module")
def served(hub_template: Template, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[ServedHub]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (make system-deps)")
    with ServedHub(hub_template, tmp_path_factory.mktemp("browser-hub"),
                   features=_features()) as hub:
        yield hub


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def text_from_phone(served: ServedHub, phone: str, text: str) -> None:
    """What a patient types on the simulator's phone."""
    request = urllib.request.Request(
        f"{served.url}/simulator/api/phones/{phone}/lines", method="POST",
        data=json.dumps({"text": text}).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def sign_in(browser: Any, served: ServedHub, email: str) -> Any:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(f"{served.url}/hub")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("#live-status.on", timeout=WAIT)
    return page


class Shots:
    def __init__(self) -> None:
        target = os.environ.get("CARELINE_SCREENSHOTS", "")
        self.directory = Path(target) if target else None

    def take(self, page: Any, name: str) -> None:
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            page.wait_for_timeout(300)
            page.screenshot(path=str(self.directory / f"{name}.png"))


def downtown_patient(template: Template) -> Patient:
    downtown = next(f.id for f in template.data.facilities if "Downtown" in f.name)
    return next(p for p in template.data.patients
                if p.primary_facility_id == downtown and p.contacts_of(ContactKind.SMS)
                and p.preferred_language == "en")


def test_a_text_is_worked_live_from_arrival_to_reopening(
    served: ServedHub, browser: Any, hub_template: Template
) -> None:
    from playwright.sync_api import expect

    shots = Shots()
    patient = downtown_patient(hub_template)
    phone = patient.contacts_of(ContactKind.SMS)[0].value
    dana = sign_in(browser, served, "downtown@riverbend.example")
    morgan = sign_in(browser, served, "manager@riverbend.example")
    frankie = sign_in(browser, served, "foothills@riverbend.example")

    # A text arrives and shows up in Unassigned without reloading.
    text_from_phone(served, phone, "Hi, my inhaler is almost empty. Can I get a refill "
                                   "before my visit next week?")
    row = dana.locator("#chats li", has_text=patient.display_name)
    expect(row).to_be_visible(timeout=WAIT)
    expect(dana.locator('[data-count="unassigned"]')).to_have_text("1")
    shots.take(dana, "hub-unassigned")

    # Dana takes it.
    row.get_by_role("button").click()
    expect(dana.locator("#thread-title")).to_have_text(patient.display_name)
    dana.get_by_role("button", name="Assign to me").click()
    expect(dana.locator('[data-count="mine"]')).to_have_text("1", timeout=WAIT)
    expect(dana.locator("#thread-meta")).to_contain_text("Assigned to Dana Downtown")

    # An internal note mentioning Morgan notifies Morgan live.
    dana.get_by_role("tab", name="Internal note").click()
    dana.get_by_label("Internal note (patients never see it)").fill(
        "@manager can you confirm the refill is due?")
    dana.get_by_role("button", name="Add note").click()
    expect(dana.locator(".bubble.note")).to_contain_text("@manager can you confirm")
    expect(morgan.locator("#notifications-count")).to_have_text("1", timeout=WAIT)

    # A reply from the Downtown facility, with a squiggly filled in.
    dana.get_by_role("tab", name="Reply").click()
    expect(dana.get_by_label("From facility")).to_have_value(
        next(f.id for f in hub_template.data.facilities if "Downtown" in f.name))
    dana.get_by_label("Message to the patient").fill(
        "Hi {{ patient.first_name }}, we have sent the refill request to your doctor.")
    dana.get_by_role("button", name="Send", exact=True).click()
    expect(dana.locator(".bubble.out").last).to_contain_text(
        f"Hi {patient.first_name}, we have sent the refill request", timeout=WAIT)
    expect(dana.locator(".bubble.out").last).to_contain_text("Riverbend Downtown")
    shots.take(dana, "hub-chat")

    # Close it.
    dana.get_by_role("button", name="Close chat").click()
    expect(dana.locator('[data-count="closed"]')).to_have_text("1", timeout=WAIT)
    expect(dana.get_by_role("button", name="Reopen chat")).to_be_visible()

    # A short thank-you leaves it closed...
    text_from_phone(served, phone, "ok thanks")
    expect(dana.locator(".bubble.in").last).to_have_text(re.compile("ok thanks"),
                                                          timeout=WAIT)
    expect(dana.locator('[data-count="closed"]')).to_have_text("1")
    expect(dana.locator('[data-count="unassigned"]')).to_have_text("0")

    # ...a reply of 15 characters or more reopens it, in Unassigned.
    text_from_phone(served, phone, "Sorry, one more thing: which pharmacy will it go to?")
    expect(dana.locator('[data-count="unassigned"]')).to_have_text("1", timeout=WAIT)
    expect(dana.locator('[data-count="closed"]')).to_have_text("0")
    expect(dana.locator("#thread-times")).to_contain_text("Reopened")
    expect(dana.get_by_role("button", name="Close chat")).to_be_visible()
    expect(dana.locator("#announcer")).to_contain_text("New message from", timeout=WAIT)

    # Frankie (Foothills) never sees any of it: not in any queue, not through the API.
    for queue in ("unassigned", "mine", "others", "closed"):
        frankie.locator(f'#queues [data-queue="{queue}"]').click()
        expect(frankie.locator("#chats-empty")).to_be_visible()
        expect(frankie.locator("#chats")).not_to_contain_text(patient.last_name)
    listing = frankie.request.get(f"{served.url}/api/conversations?limit=200")
    assert patient.last_name not in listing.text()
    chat_id = dana.locator("#chats li", has_text=patient.display_name).get_attribute("data-id")
    assert chat_id
    assert frankie.request.get(f"{served.url}/api/conversations/{chat_id}").status == 404
    # The demo patient also has Foothills appointments, so Frankie may open their panel: it
    # shows those appointments only, and nothing of the chat.
    panel = frankie.request.get(f"{served.url}/api/patients/{patient.id}")
    if panel.status == 200:
        foothills = next(f.id for f in hub_template.data.facilities if "Foothills" in f.name)
        assert {a["facility_id"] for a in panel.json()["appointments"]} <= {foothills}
        assert "inhaler" not in panel.text()
    else:
        assert panel.status == 404
    shots.take(frankie, "hub-other-facility")

    morgan.get_by_role("button", name=re.compile("^Notifications")).click()
    shots.take(morgan, "hub-notifications")
    for page in (dana, morgan, frankie):
        page.close()


def test_the_sign_in_page_and_small_screens(served: ServedHub, browser: Any) -> None:
    from playwright.sync_api import expect

    shots = Shots()
    page = browser.new_page(viewport={"width": 420, "height": 860})
    page.goto(f"{served.url}/hub")
    expect(page.get_by_label("Email")).to_be_focused()
    shots.take(page, "hub-sign-in")
    page.get_by_label("Email").fill("downtown@riverbend.example")
    page.get_by_label("Password").fill("wrong password")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("not right")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("#live-status.on", timeout=WAIT)
    # Keyboard: "/" jumps to the search box.
    page.keyboard.press("/")
    expect(page.get_by_label("Search chats")).to_be_focused()
    shots.take(page, "hub-mobile")
    page.close()
