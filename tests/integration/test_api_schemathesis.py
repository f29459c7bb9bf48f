"""schemathesis against /api/openapi.json on a served Hub (127.0.0.1): whatever it sends, no
5xx and no answer outside the document (status, content type, headers, body schema).

It acts as the admin through an API token. Half of the generated requests with path
parameters are pointed at a real chat, patient and shortcut, so they reach the handlers' inner
paths instead of stopping at 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gateway.api.openapi import load_openapi
from gateway.bot.setup import setup_bot
from gateway.reminders import setup_reminders
from gateway.waitlist import setup_waitlist
from tests.gateway.hub.harness import Clinic, ServedHub, Template, hub_template

__all__ = ["hub_template"]

pytestmark = [pytest.mark.integration, pytest.mark.slow]

schema = schemathesis.openapi.from_dict(load_openapi()).exclude(path="/api/events")
"""Every operation but the endless event stream (tests/gateway/hub/test_live.py covers it)."""

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]


class Target:
    def __init__(self, served: ServedHub, token: str) -> None:
        self.url = served.url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.ids: dict[str, str] = {}


@pytest.fixture(scope="module")
def target(hub_template: Template, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Target]:
    directory: Path = tmp_path_factory.mktemp("schemathesis-hub")
    # Every part whose /api routes the document describes.
    features = [partial(setup_waitlist, background=False), setup_bot, setup_reminders]
    with ServedHub(hub_template, directory, features=features) as served:
        target = Target(served, hub_template.tokens["admin"])
        _seed(target, served, hub_template)
        yield target
        target.session.close()


def _seed(target: Target, served: ServedHub, template: Template) -> None:
    """Real ids for the generated requests to hit: a Downtown chat and its patient, and a
    shortcut."""
    clinic = Clinic(app=served.app, data=template.data, clock=served.clock)  # type: ignore[arg-type]
    patient = clinic.patient_at("downtown")

    async def text_in(app: Any) -> Any:
        return await clinic.text_in(patient, "Can I bring my daughter to the appointment?")

    chat = served.call(text_in)
    made = target.session.post(f"{target.url}/api/shortcuts", json={
        "shortcut": "hours", "title": "Opening hours", "body": "We are open 8 to 5."})
    assert made.status_code == 201
    target.ids = {"conversation_id": chat.id, "patient_id": patient.id,
                  "shortcut_id": made.json()["id"]}


@schema.parametrize()
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_no_server_errors_and_no_schema_violations(case: Any, target: Target) -> None:
    # Half of the cases aim at real records, so the handlers' inner paths run too.
    if case.path_parameters and hash(repr(case.body)) % 2 == 0:
        for name, real in target.ids.items():
            if name in case.path_parameters:
                case.path_parameters[name] = real
    case.call_and_validate(base_url=target.url, session=target.session, checks=CHECKS)
