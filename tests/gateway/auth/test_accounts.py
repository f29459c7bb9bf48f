"""The first admin of a fresh installation is created outside the API, then signs in."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from domain.errors import Conflict, ValidationError
from domain.model.enums import Role
from gateway.auth.accounts import create_user
from gateway.auth.passwords import PasswordService
from tests.gateway.hub.harness import FAST_HASHER, Clinic, sign_in

Hub = tuple[TestClient, Clinic]


async def test_a_created_admin_can_sign_in_and_sees_every_facility(hub: Hub) -> None:
    client, clinic = hub
    fast = PasswordService(FAST_HASHER)
    user = await create_user(clinic.db, email="owner@riverbend.example", name="Olu Owner",
                             role=Role.ADMIN, password="a long first password",
                             now=clinic.clock.now(), passwords=fast)
    assert user.org_id == clinic.org_id and user.password_hash != "a long first password"
    response = await sign_in(client, "owner@riverbend.example", "a long first password")
    assert response.status == 200
    assert (await response.json())["facility_ids"] is None


async def test_weak_passwords_taken_emails_and_unknown_groups_are_refused(hub: Hub) -> None:
    _, clinic = hub
    fast = PasswordService(FAST_HASHER)
    common = {"name": "X", "role": Role.STAFF, "now": clinic.clock.now(), "passwords": fast}
    with pytest.raises(ValidationError) as weak:
        await create_user(clinic.db, email="a@riverbend.example", password="short", **common)
    assert weak.value.field == "password"
    with pytest.raises(Conflict):
        await create_user(clinic.db, email="admin@riverbend.example",
                          password="a long enough password", **common)
    with pytest.raises(ValidationError) as group:
        await create_user(clinic.db, email="b@riverbend.example",
                          password="a long enough password", group_ids=["nope"], **common)
    assert group.value.field == "group_ids"
