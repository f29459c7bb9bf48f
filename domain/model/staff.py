"""Staff users and groups; facility access comes from groups (HUB-17)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.model import _validate as v
from domain.model.enums import Role

__all__ = ["Group", "StaffUser"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    id: str
    org_id: str
    name: str
    facility_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", v.text("group.name", self.name, max_length=100))
        object.__setattr__(self, "facility_ids", frozenset(self.facility_ids))


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffUser:
    id: str
    org_id: str
    email: str
    name: str
    role: Role
    password_hash: str | None = None
    group_ids: frozenset[str] = frozenset()
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = None
    created_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "email", v.email("user.email", self.email))
        object.__setattr__(self, "name", v.text("user.name", self.name, max_length=100))
        object.__setattr__(self, "role", Role(self.role))
        object.__setattr__(self, "group_ids", frozenset(self.group_ids))

    def facility_access(self, groups: dict[str, Group]) -> frozenset[str] | None:
        """Facility ids this user may see; None means every facility (admins)."""
        if self.role is Role.ADMIN:
            return None
        access: set[str] = set()
        for group_id in self.group_ids:
            group = groups.get(group_id)
            if group is not None:
                access |= group.facility_ids
        return frozenset(access)
