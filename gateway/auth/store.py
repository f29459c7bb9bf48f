"""Storage of staff sessions, API tokens and sign-in failures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.storage import tables as t
from domain.storage import tables_hub as h
from gateway.auth.policy import AuthPolicy

__all__ = ["ApiToken", "AuthStore", "SessionRow"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionRow:
    id: str
    org_id: str
    user_id: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiToken:
    id: str
    org_id: str
    user_id: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable_at(self, now: datetime) -> bool:
        """Not revoked and not expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


class AuthStore:
    """Sessions, tokens and failure counts, on one connection (one transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    # -- sessions ----------------------------------------------------------------------------

    async def add_session(self, row: SessionRow) -> None:
        await self.conn.execute(
            h.staff_sessions.insert().values(
                id=row.id, org_id=row.org_id, user_id=row.user_id, csrf_token=row.csrf_token,
                created_at=row.created_at, last_seen_at=row.last_seen_at,
                expires_at=row.expires_at, revoked_at=row.revoked_at,
            )
        )

    async def session(self, session_id: str) -> SessionRow | None:
        row = (
            await self.conn.execute(
                sa.select(h.staff_sessions).where(h.staff_sessions.c.id == session_id)
            )
        ).mappings().first()
        return None if row is None else SessionRow(**dict(row))

    async def touch_session(self, session_id: str, at: datetime, expires_at: datetime) -> None:
        await self.conn.execute(
            h.staff_sessions.update()
            .where(h.staff_sessions.c.id == session_id)
            .values(last_seen_at=at, expires_at=expires_at)
        )

    async def revoke_session(self, session_id: str, at: datetime) -> None:
        await self.conn.execute(
            h.staff_sessions.update()
            .where(h.staff_sessions.c.id == session_id, h.staff_sessions.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def revoke_user_sessions(self, user_id: str, at: datetime) -> int:
        """End every session of ``user_id`` (password change, deactivation). Returns how many."""
        result = await self.conn.execute(
            h.staff_sessions.update()
            .where(h.staff_sessions.c.user_id == user_id, h.staff_sessions.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return result.rowcount

    # -- API tokens --------------------------------------------------------------------------

    async def add_token(self, token: ApiToken, token_hash: str) -> None:
        await self.conn.execute(
            h.api_tokens.insert().values(
                id=token.id, org_id=token.org_id, user_id=token.user_id, name=token.name,
                prefix=token.prefix, token_hash=token_hash, created_at=token.created_at,
                expires_at=token.expires_at,
            )
        )

    async def token_by_hash(self, token_hash: str) -> ApiToken | None:
        row = (
            await self.conn.execute(
                sa.select(h.api_tokens).where(h.api_tokens.c.token_hash == token_hash)
            )
        ).mappings().first()
        return None if row is None else _token(row)

    async def token(self, token_id: str) -> ApiToken | None:
        row = (
            await self.conn.execute(sa.select(h.api_tokens).where(h.api_tokens.c.id == token_id))
        ).mappings().first()
        return None if row is None else _token(row)

    async def tokens(self, org_id: str, *, user_id: str | None = None) -> list[ApiToken]:
        query = sa.select(h.api_tokens).where(h.api_tokens.c.org_id == org_id)
        if user_id is not None:
            query = query.where(h.api_tokens.c.user_id == user_id)
        rows = (await self.conn.execute(query.order_by(h.api_tokens.c.created_at))).mappings()
        return [_token(r) for r in rows]

    async def touch_token(self, token_id: str, at: datetime) -> None:
        await self.conn.execute(
            h.api_tokens.update().where(h.api_tokens.c.id == token_id).values(last_used_at=at)
        )

    async def revoke_token(self, token_id: str, at: datetime) -> None:
        await self.conn.execute(
            h.api_tokens.update()
            .where(h.api_tokens.c.id == token_id, h.api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    # -- sign-in failures --------------------------------------------------------------------

    async def record_failure(self, user_id: str, now: datetime, policy: AuthPolicy) -> bool:
        """Count one wrong password for ``user_id``, atomically (parallel guesses all count).

        Returns:
            True when this failure locked the account (for ``policy.lock_for``).
        """
        users = t.staff_users
        count = (
            await self.conn.execute(
                users.update()
                .where(users.c.id == user_id)
                .values(failed_logins=users.c.failed_logins + 1)
                .returning(users.c.failed_logins)
            )
        ).scalar_one()
        if count < policy.max_failures:
            return False
        await self.conn.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(failed_logins=0, locked_until=now + policy.lock_for)
        )
        return True

    async def clear_failures(self, user_id: str) -> None:
        await self.conn.execute(
            t.staff_users.update()
            .where(t.staff_users.c.id == user_id)
            .values(failed_logins=0, locked_until=None)
        )


def _token(row: sa.RowMapping) -> ApiToken:
    values = {k: v for k, v in row.items() if k != "token_hash"}
    return ApiToken(**values)
