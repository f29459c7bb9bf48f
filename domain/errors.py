"""Errors raised by the domain: structured, never tied to HTTP.

The gateway maps them to responses in one place (``gateway/errors.py``).
"""

from __future__ import annotations

__all__ = ["Conflict", "DomainError", "NotFound", "PermissionDenied", "ValidationError"]


class DomainError(Exception):
    """Base class of every error the domain raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "message": self.message}


class ValidationError(DomainError):
    """A value is not acceptable; ``field`` names it (dotted path for nested values)."""

    code = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "field": self.field, "message": self.reason}

    def nested(self, parent: str) -> ValidationError:
        """The same error with ``parent`` prefixed to the field path."""
        joiner = "" if self.field.startswith("[") else "."
        return ValidationError(f"{parent}{joiner}{self.field}", self.reason)


class NotFound(DomainError):
    """The named entity does not exist (or is not visible to the caller)."""

    code = "not_found"

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(f"{entity} {key!r} not found")
        self.entity = entity
        self.key = key

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "entity": self.entity, "message": self.message}


class Conflict(DomainError):
    """The request is valid but clashes with the current state (e.g. slot already taken)."""

    code = "conflict"


class PermissionDenied(DomainError):
    """The actor may not do this."""

    code = "forbidden"
