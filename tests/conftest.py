"""Shared fixtures: real PostgreSQL and Redis for the integration tests.

Every test session gets its own PostgreSQL database (created here, dropped at the end) and its own
Redis database number plus key prefix, so parallel runs on one machine never see each other's data.

Where a server is unreachable the tests that need it are skipped -- unless
``CARELINE_REQUIRE_SERVICES=1`` (set by ``.ci/run``), in which case they fail.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

POSTGRES_ADMIN_URL = os.environ.get(
    "CARELINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("CARELINE_TEST_REDIS_URL", "redis://127.0.0.1:6379")
RUN_ID = uuid.uuid4().hex[:10]


def _services_required() -> bool:
    return os.environ.get("CARELINE_REQUIRE_SERVICES", "") not in ("", "0", "false")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _unavailable(what: str) -> None:
    message = f"{what} is unreachable"
    if _services_required():
        pytest.fail(f"{message} and CARELINE_REQUIRE_SERVICES is set", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A SQLAlchemy URL (asyncpg) of a fresh database dropped after the session."""
    from sqlalchemy.engine import make_url

    admin = make_url(POSTGRES_ADMIN_URL)
    if not _reachable(admin.host or "127.0.0.1", admin.port or 5432):
        _unavailable(f"PostgreSQL at {admin.host}:{admin.port}")
    import asyncpg

    name = f"careline_test_{RUN_ID}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(drivername="postgresql+asyncpg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def redis_base_url() -> str:
    """The Redis server URL; skips (or fails under CARELINE_REQUIRE_SERVICES) if unreachable."""
    from urllib.parse import urlparse

    parsed = urlparse(REDIS_TEST_URL)
    if not _reachable(parsed.hostname or "127.0.0.1", parsed.port or 6379):
        _unavailable(f"Redis at {parsed.hostname}:{parsed.port}")
    return REDIS_TEST_URL.rstrip("/")


@pytest.fixture
async def redis_prefix(redis_base_url: str) -> AsyncIterator[str]:
    """A key prefix unique to this test; every key under it is deleted afterwards."""
    import redis.asyncio as aioredis

    prefix = f"careline-test:{RUN_ID}:{uuid.uuid4().hex[:8]}:"
    yield prefix
    client = aioredis.from_url(redis_base_url)
    try:
        keys = [key async for key in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()
