"""The composition root: health, readiness and metrics."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.settings import Settings


def settings_for(tmp_path: Path, **environ: str) -> Settings:
    return Settings.from_environ({"CARELINE_DATA_DIR": str(tmp_path), **environ})


async def test_health_ready_and_metrics(aiohttp_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = await aiohttp_client(create_app(settings_for(tmp_path), migrate=True))
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["checks"] == {"database": True, "redis": True}
    metrics = await client.get("/metrics")
    text = await metrics.text()
    assert metrics.status == 200
    assert 'careline_http_requests_total{method="GET",route="/healthz",status="200"}' in text


async def test_not_ready_when_redis_is_unreachable(aiohttp_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = settings_for(tmp_path, CARELINE_REDIS_URL="redis://127.0.0.1:1/0")
    client: TestClient = await aiohttp_client(create_app(settings, migrate=True))
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["checks"]["redis"] is False
    # The process itself is still up.
    assert (await client.get("/healthz")).status == 200


async def test_unknown_route_is_a_404_not_a_500(aiohttp_client, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client: TestClient = await aiohttp_client(create_app(settings_for(tmp_path), migrate=True))
    assert (await client.get("/no/such/page")).status == 404
