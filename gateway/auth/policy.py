"""Sign-in policy: session lifetimes and lock-out after repeated failures (pure rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.model import StaffUser

__all__ = ["AuthPolicy", "is_locked", "session_expiry"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthPolicy:
    """How long sessions last and when an account locks.

    Attributes:
        idle: a session unused this long ends.
        absolute: no session lasts longer than this, however busy.
        max_failures: consecutive wrong passwords that lock the account.
        lock_for: how long a locked account stays locked.
        token_days: default lifetime of a new API token.
    """

    idle: timedelta = timedelta(hours=8)
    absolute: timedelta = timedelta(hours=24)
    max_failures: int = 5
    lock_for: timedelta = timedelta(minutes=15)
    token_days: int = 365


def is_locked(user: StaffUser, now: datetime) -> bool:
    """Whether ``user`` may not sign in now because of earlier failures."""
    return user.locked_until is not None and user.locked_until > now


def session_expiry(created_at: datetime, last_seen_at: datetime, policy: AuthPolicy) -> datetime:
    """When a session created at ``created_at`` and last used at ``last_seen_at`` ends."""
    return min(created_at + policy.absolute, last_seen_at + policy.idle)
