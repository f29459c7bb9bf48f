"""Fixtures of the webhook tests: a running app with the channels and a seeded clinic."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from blockbuster import BlockBuster, blockbuster_ctx

from domain.storage.database import Database
from gateway.keys import DB
from tests.gateway.webhooks.appkit import (
    Clinic,
    RecordingResponder,
    channel_app,
    seed_clinic,
    settings_for,
)


@pytest.fixture(autouse=True)
def blockbuster() -> Iterator[BlockBuster]:
    """Fail any test whose code makes a blocking call on the event loop."""
    with blockbuster_ctx() as detector:
        yield detector


@dataclass
class Running:
    client: TestClient
    clinic: Clinic
    responder: RecordingResponder

    @property
    def db(self) -> Database:
        return self.client.app[DB]


@pytest.fixture
def start(
    aiohttp_client: Callable[..., Awaitable[TestClient]], tmp_path: Path, blockbuster: BlockBuster
) -> Callable[..., Awaitable[Running]]:
    async def run(*, twilio: bool = True, language: str = "es", **kwargs: Any) -> Running:
        responder = kwargs.pop("responder", None) or RecordingResponder()
        # Start-up (the database file, migrations read from disk) may block; requests may not.
        blockbuster.deactivate()
        try:
            app = channel_app(settings_for(tmp_path, twilio=twilio, **kwargs),
                              responder=responder)
            client = await aiohttp_client(app)
            clinic = await seed_clinic(client.app[DB], language=language)
        finally:
            blockbuster.activate()
        return Running(client, clinic, responder)

    return run
