"""Row ↔ model mapping helpers shared by the repositories."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["from_row", "to_values"]


def to_values(entity: Any, *, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """Column values of a model dataclass (enums as their values, tuples as lists)."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(entity):
        if f.name in exclude:
            continue
        value = getattr(entity, f.name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, tuple | frozenset):
            value = list(value)
        values[f.name] = value
    return values


def from_row(cls: type[T], row: Mapping[Any, Any], **extra: Any) -> T:
    """A model dataclass from a result row (columns not in the dataclass are ignored)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    kwargs = {k: v for k, v in row.items() if k in names}
    kwargs.update(extra)
    return cls(**kwargs)
