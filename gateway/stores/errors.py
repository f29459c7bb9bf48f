"""Errors raised by the shared stores, with structured fields for logs and mapping."""

from __future__ import annotations

__all__ = ["LockTimeout", "StoreError"]


class StoreError(Exception):
    """Base class of the errors the shared stores raise on purpose."""


class LockTimeout(StoreError):
    """A conversation lock was not acquired within the allowed time.

    Attributes:
        key: The conversation key whose lock was wanted.
        timeout: The number of seconds the caller was willing to wait.
    """

    def __init__(self, key: str, timeout: float) -> None:
        super().__init__(f"conversation lock {key!r} not acquired within {timeout:g}s")
        self.key = key
        self.timeout = timeout
