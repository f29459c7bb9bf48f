"""Changed organisation settings reach the inbound pipeline at once, in every process."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from channels.envelope import Envelope
from domain.model import Channel, Organization
from gateway.inbound.addresses import AddressBook
from gateway.inbound.keys import ADDRESS_BOOK
from gateway.inbound.org_changes import ORG_CHANGED
from gateway.keys import STORES
from gateway.webhooks.setup import setup_channels
from tests.gateway.hub.harness import Clinic, Template, start_from


def envelope_to(number: str, clinic: Clinic) -> Envelope:
    return Envelope(channel=Channel.SMS, provider_message_id="SMtest", from_address="+13125550123",
                    to_address=number, text="hi", received_at=clinic.clock.now())


async def cache_the_organisation(clinic: Clinic, number: str) -> Organization:
    async with clinic.db.read() as conn:
        return await clinic.app[ADDRESS_BOOK].organization(conn, Channel.SMS, number)


async def test_changing_the_settings_drops_the_remembered_organisation(
    hub_template: Template, aiohttp_client: Any, tmp_path: Path
) -> None:
    client, clinic = await start_from(hub_template, aiohttp_client, tmp_path,
                                      features=[setup_channels])
    old = clinic.data.organization.settings.messaging.sms_number
    await cache_the_organisation(clinic, old)
    book = clinic.app[ADDRESS_BOOK]
    assert book.cached(envelope_to(old, clinic)) is not None
    response = await client.patch("/api/settings/hub", headers=clinic.auth("admin"),
                                  json={"messaging": {"sms_number": "+13125550999"}})
    assert response.status == 200, await response.text()
    # The old number is no longer the clinic's: nothing remembered says otherwise.
    assert book.cached(envelope_to(old, clinic)) is None
    org = await cache_the_organisation(clinic, "+13125550999")
    assert org.settings.messaging.sms_number == "+13125550999"


async def test_a_change_announced_by_another_process_is_forgotten_here(
    hub_template: Template, aiohttp_client: Any, tmp_path: Path
) -> None:
    _, clinic = await start_from(hub_template, aiohttp_client, tmp_path,
                                 features=[setup_channels])
    number = clinic.data.organization.settings.messaging.sms_number
    await cache_the_organisation(clinic, number)
    book: AddressBook = clinic.app[ADDRESS_BOOK]
    await clinic.app[STORES].pubsub.publish(ORG_CHANGED, {"org_id": clinic.org_id})
    for _ in range(100):  # delivered through the pub/sub listener's task
        if book.cached(envelope_to(number, clinic)) is None:
            break
        await asyncio.sleep(0.01)
    assert book.cached(envelope_to(number, clinic)) is None
