"""Who is making a request: a staff user (by session or API token), their role and facilities."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from domain.hub_rules import visible_to
from domain.model import Group, StaffUser
from domain.model.enums import Role

__all__ = ["Permission", "Principal", "permissions_of"]


class Permission(StrEnum):
    """Actions beyond reading and working chats, which every signed-in user may do."""

    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"
    MANAGE_SHORTCUTS = "manage_shortcuts"
    VIEW_AUDIT = "view_audit"
    MANAGE_ALL_TOKENS = "manage_all_tokens"


_ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MANAGER: frozenset({Permission.MANAGE_SHORTCUTS}),
    Role.STAFF: frozenset(),
}


def permissions_of(role: Role) -> frozenset[Permission]:
    """What ``role`` may do besides working chats."""
    return _ROLE_PERMISSIONS[role]


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """The signed-in staff user behind a request.

    Attributes:
        user: the staff user (an API token acts as the user who created it).
        groups: every group of the user's organisation, by id.
        access: facility ids the user may see; None for every facility (admins).
        session_id: the session's id when signed in with a cookie.
        csrf_token: the session's CSRF token (None for API tokens, which need none).
        token_id: the API token's id when authenticated with a bearer token.
    """

    user: StaffUser
    groups: dict[str, Group]
    session_id: str | None = None
    csrf_token: str | None = None
    token_id: str | None = None
    access: frozenset[str] | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "access", self.user.facility_access(self.groups))

    @property
    def org_id(self) -> str:
        return self.user.org_id

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def role(self) -> Role:
        return self.user.role

    def can(self, permission: Permission) -> bool:
        """Whether the user's role grants ``permission``."""
        return permission in permissions_of(self.user.role)

    def sees(self, facility_id: str | None) -> bool:
        """Whether the user may see data of ``facility_id`` (HUB-17; see ``visible_to``)."""
        return visible_to(facility_id, self.access, self.user.role)
