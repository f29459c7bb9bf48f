"""Live Hub updates across gateway processes: with Redis pub/sub, a change made through one
gateway reaches a browser stream held open by another (two apps on one database)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.gateway.hub.harness import Template, hub_template, start_from
from tests.gateway.hub.test_live import next_event

__all__ = ["hub_template"]

pytestmark = [pytest.mark.integration, pytest.mark.redis]


async def test_a_change_on_one_gateway_reaches_a_stream_on_another(
    hub_template: Template, aiohttp_client: Any, tmp_path: Path, redis_base_url: str,
    redis_prefix: str,
) -> None:
    environ = {"CARELINE_REDIS_URL": f"{redis_base_url}/0", "CARELINE_REDIS_PREFIX": redis_prefix}
    first, clinic = await start_from(hub_template, aiohttp_client, tmp_path, **environ)
    database = tmp_path / "careline.db"
    second_dir = tmp_path / "second"
    second_dir.mkdir()
    environ["CARELINE_DATABASE_URL"] = f"sqlite+aiosqlite:///{database}"
    # A second app on the first one's database (the copy it makes of the template is unused).
    second, _ = await start_from(hub_template, aiohttp_client, second_dir, **environ)

    stream = await second.get("/api/events", headers=clinic.auth("downtown"))
    assert (await next_event(stream))[0] == "ready"
    chat = await clinic.text_in(clinic.patient_at("downtown"), "hello from the first one")
    closed = await first.post(f"/api/conversations/{chat.id}/close",
                              headers=clinic.auth("admin"))
    assert closed.status == 200
    assert await next_event(stream, within=5) == ("conversation", {
        "conversation_id": chat.id, "action": "closed"})
    stream.close()
