"""The CSV mechanics shared by the waitlist's uploads: decoding, the header, one row per
line with its number, and field problems collected per line. Never raises for bad content."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import TypeVar

from domain.errors import ValidationError

__all__ = ["MAX_ROWS", "FieldProblem", "Problems", "Table", "read_table", "resolve"]

T = TypeVar("T")

MAX_ROWS = 5000


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class Problems:
    """Collects the field problems of one line; ``check`` runs one parser and keeps its error."""

    def __init__(self) -> None:
        self.found: list[FieldProblem] = []

    def check(self, parse: Callable[[], T]) -> T | None:
        try:
            return parse()
        except ValidationError as exc:
            self.found.append(FieldProblem(exc.field, exc.reason))
            return None

    def add(self, field: str, message: str) -> None:
        self.found.append(FieldProblem(field, message))


@dataclass(frozen=True, slots=True)
class Table:
    """The data lines of a file: (line number, row by column name), or the line's problem."""

    rows: tuple[tuple[int, Mapping[str, str] | FieldProblem], ...] = ()
    problem: FieldProblem | None = None
    """A problem with the file as a whole (then ``rows`` holds the lines read before it)."""


def resolve(kind: str, value: str, known: Mapping[str, str]) -> str | None:
    """The id ``value`` names among ``known`` (id → name), by id or by name in any case."""
    if not value:
        return None
    if value in known:
        return value
    matches = [key for key, name in known.items() if name.casefold() == value.casefold()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ValidationError(kind, f"{value!r} names several; use the id")
    raise ValidationError(kind, f"unknown {kind} {value!r}")


def _header_problem(header: list[str], known: Collection[str],
                    needs_one_of: Collection[str]) -> FieldProblem | None:
    if not header:
        return FieldProblem("file", "is empty")
    if not any(name in header for name in needs_one_of):
        wanted = " or ".join(needs_one_of)
        return FieldProblem("header", f"needs a column named {wanted}")
    unknown = [name for name in header if name not in known]
    if unknown:
        return FieldProblem("header", f"unknown column {unknown[0]!r}")
    if len(set(header)) != len(header):
        return FieldProblem("header", "names a column twice")
    return None


def read_table(data: bytes, *, known: Collection[str], needs_one_of: Collection[str]) -> Table:
    """The rows of a CSV file with a header row (names in any case, spaces as underscores).

    Args:
        data: the file as uploaded (UTF-8, a byte order mark allowed).
        known: the column names allowed.
        needs_one_of: at least one of these columns must be present.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Table(problem=FieldProblem("file", "is not UTF-8 text"))
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, Mapping[str, str] | FieldProblem]] = []
    try:
        header = [name.strip().lower().replace(" ", "_") for name in next(reader, [])]
        problem = _header_problem(header, known, needs_one_of)
        if problem is not None:
            return Table(problem=problem)
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                return Table(problem=FieldProblem("file", f"has more than {MAX_ROWS} rows"))
            if len(values) > len(header):
                rows.append((reader.line_num,
                             FieldProblem("line", "has more fields than the header")))
                continue
            rows.append((reader.line_num,
                         {name: value.strip() for name, value in zip(header, values,
                                                                     strict=False)}))
    except csv.Error as exc:
        return Table(tuple(rows), FieldProblem("file", f"is not valid CSV: {exc}"))
    return Table(tuple(rows))
