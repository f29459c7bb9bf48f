"""Password hashing with argon2id (RFC 9106 parameters of ``argon2-cffi``).

Hashing is deliberately slow, so it runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

__all__ = ["MIN_PASSWORD_LENGTH", "PasswordService", "check_password_strength"]

MIN_PASSWORD_LENGTH = 12


class PasswordService:
    """Hash and verify staff passwords."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        """The argon2id hash of ``password`` (salted; different on every call)."""
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored_hash``.

        A missing hash (unknown or password-less account) is checked against a dummy hash, so
        the answer takes as long as for a real account and timing tells nothing.
        """
        return await asyncio.to_thread(self._verify, stored_hash, password)

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when ``stored_hash`` was made with weaker parameters than the current ones."""
        return self._hasher.check_needs_rehash(stored_hash)

    def _verify(self, stored_hash: str | None, password: str) -> bool:
        if stored_hash is None and self._dummy is None:
            self._dummy = self._hasher.hash("careline: no such account")
        try:
            return self._hasher.verify(stored_hash or self._dummy or "", password) and bool(
                stored_hash
            )
        except (VerificationError, InvalidHashError):
            return False


def check_password_strength(password: str) -> str | None:
    """Why ``password`` is not acceptable as a new password, or None when it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 256:
        return "must have at most 256 characters"
    if len(set(password)) < 5:
        return "is too repetitive"
    return None
