"""The team: the directory every user sees (for mentions, assignment and filters), and user
and group management for admins."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from domain.errors import Conflict, NotFound, ValidationError
from domain.model import Group, StaffUser, new_id
from domain.model.enums import Role
from domain.storage.repositories import PracticeRepository, StaffRepository
from gateway.api._body import read_json, text_field
from gateway.api.session import user_body
from gateway.api.views import group_view, json_ok
from gateway.auth.audit import audit
from gateway.auth.keys import AUTH
from gateway.auth.passwords import check_password_strength
from gateway.auth.principal import Permission
from gateway.auth.request import current_principal, require_permission
from gateway.auth.store import AuthStore
from gateway.errors import bad_request
from gateway.hub.squigglies import SQUIGGLIES
from gateway.keys import CLOCK, DB

__all__ = ["create_group", "create_user", "directory", "update_user"]


async def directory(request: web.Request) -> web.Response:
    """``GET /api/directory``: users and groups of the organisation, the facilities the user
    may see, the squigglies, and the Hub settings the composer needs."""
    principal = current_principal(request)
    async with request.app[DB].read() as conn:
        staff = StaffRepository(conn)
        users = await staff.users(principal.org_id)
        groups = await staff.groups(principal.org_id)
        practice = PracticeRepository(conn)
        facilities = await practice.facilities(principal.org_id)
        organization = await practice.organization(principal.org_id)
    hub = organization.settings.hub
    return json_ok({
        "users": [_public_user(u) for u in users],
        "groups": [group_view(g) for g in sorted(groups.values(), key=lambda g: g.name)],
        "facilities": [
            {"id": f.id, "name": f.name, "timezone": f.timezone}
            for f in facilities.values() if principal.sees(f.id)
        ],
        "squigglies": list(SQUIGGLIES),
        "settings": {"require_facility": hub.require_facility,
                     "reopen_min_chars": hub.reopen_min_chars, "ownership": hub.ownership},
        "organization": {"id": organization.id, "name": organization.name},
    })


def _public_user(user: StaffUser) -> dict[str, Any]:
    body = user_body(user)
    del body["email"]
    return body


async def _groups_valid(staff: StaffRepository, org_id: str, group_ids: object) -> frozenset[str]:
    if not isinstance(group_ids, list) or not all(isinstance(g, str) for g in group_ids):
        raise ValidationError("group_ids", "must be a list of group ids")
    known = await staff.groups(org_id)
    unknown = [g for g in group_ids if g not in known]
    if unknown:
        raise ValidationError("group_ids", f"no such group {unknown[0]!r}")
    return frozenset(group_ids)


def _role(value: object) -> Role:
    try:
        return Role(str(value))
    except ValueError:
        raise ValidationError("role", "must be admin, manager or staff") from None


async def create_user(request: web.Request) -> web.Response:
    """``POST /api/users`` (admins): ``{"email", "name", "role", "group_ids", "password"}``."""
    principal = require_permission(request, Permission.MANAGE_USERS)
    body = await read_json(request)
    password = text_field(body, "password")
    problem = check_password_strength(password)
    if problem is not None:
        raise ValidationError("password", problem)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        staff = StaffRepository(conn)
        user = StaffUser(
            id=new_id(), org_id=principal.org_id, email=text_field(body, "email", max_length=254),
            name=text_field(body, "name", max_length=100), role=_role(body.get("role")),
            group_ids=await _groups_valid(staff, principal.org_id, body.get("group_ids", [])),
            password_hash=await request.app[AUTH].passwords.hash(password), created_at=now,
        )
        if await staff.user_by_email(user.email) is not None:
            raise Conflict("a user with this email exists already")
        await staff.add_user(user)
        await audit(conn, principal, "create", "user", user.id, now, role=user.role.value)
    return json_ok(user_body(user), status=201)


async def update_user(request: web.Request) -> web.Response:
    """``PATCH /api/users/{id}`` (admins): name, role, groups, active, a new password, or
    ``"unlock": true``. Deactivating or setting a password ends the user's sessions."""
    principal = require_permission(request, Permission.MANAGE_USERS)
    body = await read_json(request)
    allowed = {"name", "role", "group_ids", "active", "password", "unlock"}
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise bad_request(f"{unknown[0]} cannot be changed", field=unknown[0], status=422)
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        staff = StaffRepository(conn)
        try:
            user = await staff.user(request.match_info["user_id"])
        except NotFound:
            raise NotFound("user", request.match_info["user_id"]) from None
        if user.org_id != principal.org_id:
            raise NotFound("user", user.id)
        changes: dict[str, Any] = {}
        if "name" in body:
            changes["name"] = text_field(body, "name", max_length=100)
        if "role" in body:
            changes["role"] = _role(body["role"])
        if "group_ids" in body:
            changes["group_ids"] = await _groups_valid(staff, principal.org_id, body["group_ids"])
        if "active" in body:
            if not isinstance(body["active"], bool):
                raise ValidationError("active", "must be true or false")
            changes["active"] = body["active"]
        if body.get("unlock") is True:
            changes.update(failed_logins=0, locked_until=None)
        if "password" in body:
            password = text_field(body, "password")
            problem = check_password_strength(password)
            if problem is not None:
                raise ValidationError("password", problem)
            changes["password_hash"] = await request.app[AUTH].passwords.hash(password)
        if user.id == principal.user_id and (
            changes.get("active") is False or changes.get("role", Role.ADMIN) is not Role.ADMIN
        ):
            raise Conflict("you cannot deactivate yourself or give up your own admin role")
        updated = replace(user, **changes)
        await staff.save_user(updated)
        if "password_hash" in changes or changes.get("active") is False:
            await AuthStore(conn).revoke_user_sessions(user.id, now)
        await audit(conn, principal, "update", "user", user.id, now,
                    fields=sorted(k for k in body if k != "password") + (
                        ["password"] if "password" in body else []))
    return json_ok(user_body(updated))


async def create_group(request: web.Request) -> web.Response:
    """``POST /api/groups`` (admins): ``{"name", "facility_ids"}``."""
    principal = require_permission(request, Permission.MANAGE_USERS)
    body = await read_json(request)
    facility_ids = body.get("facility_ids", [])
    if not isinstance(facility_ids, list) or not all(isinstance(f, str) for f in facility_ids):
        raise ValidationError("facility_ids", "must be a list of facility ids")
    now = request.app[CLOCK].now()
    async with request.app[DB].transaction() as conn:
        facilities = await PracticeRepository(conn).facilities(principal.org_id)
        unknown = [f for f in facility_ids if f not in facilities]
        if unknown:
            raise ValidationError("facility_ids", f"no such facility {unknown[0]!r}")
        group = Group(id=new_id(), org_id=principal.org_id,
                      name=text_field(body, "name", max_length=100),
                      facility_ids=frozenset(facility_ids))
        await StaffRepository(conn).add_group(group)
        await audit(conn, principal, "create", "group", group.id, now)
    return json_ok(group_view(group), status=201)
