"""Build frozen settings dataclasses from JSON-like mappings, naming the bad field on error."""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from datetime import date, time, timedelta
from enum import Enum
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

from domain.errors import ValidationError

T = TypeVar("T")

__all__ = ["dump", "load"]


def load(cls: type[T], data: object, path: str = "") -> T:
    """``cls`` built from ``data``; unknown keys and wrong types raise ValidationError(path)."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValidationError(path or cls.__name__, "must be an object")
    hints = get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValidationError(_join(path, unknown[0]), "is not a known setting")
    values: dict[str, Any] = {}
    for name, value in data.items():
        values[name] = _coerce(hints[name], value, _join(path, name))
    try:
        return cls(**values)
    except ValidationError as exc:
        raise (exc.nested(path) if path else exc) from None
    except (TypeError, ValueError) as exc:
        raise ValidationError(path or cls.__name__, str(exc)) from None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _coerce(hint: Any, value: Any, path: str) -> Any:
    origin = get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _coerce(option, value, path)
            except ValidationError as exc:
                errors.append(exc)
        raise errors[0]
    if origin is typing.Literal:
        if value not in get_args(hint):
            allowed = ", ".join(repr(a) for a in get_args(hint))
            raise ValidationError(path, f"must be one of {allowed}")
        return value
    if origin in (tuple, list, frozenset):
        if not isinstance(value, list | tuple):
            raise ValidationError(path, "must be a list")
        args = get_args(hint)
        item = args[0] if args else Any
        items = [_coerce(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
        return frozenset(items) if origin is frozenset else tuple(items)
    if origin is dict:
        if not isinstance(value, dict):
            raise ValidationError(path, "must be an object")
        _, vtype = get_args(hint) or (str, Any)
        return {str(k): _coerce(vtype, v, f"{path}.{k}") for k, v in value.items()}
    if hint is Any:
        return value
    if dataclasses.is_dataclass(hint):
        return load(hint, value, path)  # type: ignore[arg-type]
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in hint)
            raise ValidationError(path, f"must be one of {allowed}") from None
    if hint is bool:
        if not isinstance(value, bool):
            raise ValidationError(path, "must be true or false")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(path, "must be a whole number")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(path, "must be a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ValidationError(path, "must be text")
        return value
    if hint is time:
        if isinstance(value, time):
            return value
        try:
            return time.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValidationError(path, "must be a time of day such as '09:00'") from None
    if hint is timedelta:
        return _duration(value, path)
    if hint is date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValidationError(path, "must be a date such as '2026-12-24'") from None
    raise ValidationError(path, f"unsupported setting type {hint!r}")


_DURATION = re.compile(r"^(\d+)\s*(m|min|h|d)$")
_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400}


def _duration(value: Any, path: str) -> timedelta:
    """Durations are written like '90m', '24h' or '7d'."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValidationError(path, "must be a duration such as '90m', '24h' or '7d'")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def _dump_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    if seconds % 86400 == 0 and seconds:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0 and seconds:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m"


def dump(value: Any) -> Any:
    """JSON-safe form of a settings dataclass (inverse of ``load``)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):
        return _dump_duration(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [dump(v) for v in value]
    if isinstance(value, frozenset):
        return sorted(dump(v) for v in value)
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    return value
