"""The OpenAPI document (gateway/api/openapi.yaml) stays in step with the Hub's routes."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from aiohttp.test_utils import TestClient
from schemathesis.core.result import Err

from gateway.api.openapi import load_openapi
from gateway.bot.setup import setup_bot
from gateway.reminders import setup_reminders
from gateway.waitlist import setup_waitlist
from tests.gateway.hub.harness import Clinic, Template, start_from

Hub = tuple[TestClient, Clinic]
METHODS = {"get", "post", "put", "patch", "delete"}


def documented() -> set[tuple[str, str]]:
    document = load_openapi()
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def registered(client: TestClient) -> set[tuple[str, str]]:
    found = set()
    for route in client.app.router.routes():
        canonical = route.resource.canonical if route.resource else ""
        if canonical.startswith("/api") and route.method != "HEAD":
            found.add((route.method, canonical))
    return found


@pytest.fixture
async def hub(hub_template: Template, aiohttp_client: Any, tmp_path: Path) -> Hub:
    """The Hub with the other parts whose /api routes the document describes."""
    return await start_from(hub_template, aiohttp_client, tmp_path,
                            features=[partial(setup_waitlist, background=False), setup_bot,
                                      setup_reminders])


async def test_every_hub_route_is_documented_and_every_documented_route_exists(hub: Hub
                                                                               ) -> None:
    client, _ = hub
    assert registered(client) == documented()


async def test_the_document_is_served_as_json(hub: Hub) -> None:
    client, _ = hub
    response = await client.get("/api/openapi.json")
    assert response.status == 200
    body = await response.json()
    assert body["openapi"].startswith("3.1")
    assert body == load_openapi()


def test_the_document_parses_and_every_operation_is_complete() -> None:
    document = load_openapi()
    schema = schemathesis.openapi.from_dict(document)
    operations = list(schema.get_all_operations())
    assert len(operations) == len(documented())
    problems = [str(result.err()) for result in operations if isinstance(result, Err)]
    assert problems == []
    ids = [op["operationId"] for item in document["paths"].values()
           for method, op in item.items() if method in METHODS]
    assert len(ids) == len(set(ids)), "operationIds must be unique"


def test_every_reference_resolves() -> None:
    document = load_openapi()

    def walk(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [r for value in node.values() for r in walk(value)]
        if isinstance(node, list):
            return [r for value in node for r in walk(value)]
        return []

    for ref in walk(document):
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, f"{ref} does not resolve"
            target = target[part]


def test_the_document_is_data_next_to_the_handlers() -> None:
    import gateway.api

    assert (Path(gateway.api.__file__).parent / "openapi.yaml").is_file()
