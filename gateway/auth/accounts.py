"""Creating staff accounts outside the API: the first admin of a fresh installation (a CLI
command calls this), or scripted set-ups."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from domain.errors import Conflict, NotFound, ValidationError
from domain.model import StaffUser, new_id
from domain.model.enums import Role
from domain.storage.database import Database
from domain.storage.repositories import PracticeRepository, StaffRepository
from gateway.auth.passwords import PasswordService, check_password_strength

__all__ = ["create_user"]


async def create_user(
    db: Database, *, email: str, name: str, role: Role, password: str, now: datetime,
    org_id: str | None = None, group_ids: Iterable[str] = (),
    passwords: PasswordService | None = None,
) -> StaffUser:
    """Add a staff user with an argon2-hashed password.

    Args:
        db: the database.
        email, name, role, password: the account.
        now: its creation time.
        org_id: the organisation; may be left out when the installation has exactly one.
        group_ids: groups granting facilities (admins see every facility anyway).
        passwords: the hasher (the default argon2id parameters otherwise).

    Raises:
        ValidationError: a weak password, a bad email or name, an unknown group, or no
            organisation to choose.
        Conflict: the email is taken.
    """
    problem = check_password_strength(password)
    if problem is not None:
        raise ValidationError("password", problem)
    password_hash = await (passwords or PasswordService()).hash(password)
    async with db.transaction() as conn:
        if org_id is None:
            organizations = await PracticeRepository(conn).organizations()
            if len(organizations) != 1:
                raise ValidationError("org_id", "name the organisation (there is not exactly one)")
            org_id = organizations[0].id
        else:
            try:
                await PracticeRepository(conn).organization(org_id)
            except NotFound:
                raise ValidationError("org_id", "no such organisation") from None
        staff = StaffRepository(conn)
        groups = await staff.groups(org_id)
        unknown = [g for g in group_ids if g not in groups]
        if unknown:
            raise ValidationError("group_ids", f"no such group {unknown[0]!r}")
        user = StaffUser(id=new_id(), org_id=org_id, email=email, name=name, role=role,
                         password_hash=password_hash, group_ids=frozenset(group_ids),
                         created_at=now)
        if await staff.user_by_email(user.email) is not None:
            raise Conflict("a user with this email exists already")
        await staff.add_user(user)
    return user
