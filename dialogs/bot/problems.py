"""Errors of flow definitions: each problem names the line (and column) of the source."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.errors import DomainError

__all__ = ["FlowDefinitionError", "Problem"]


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One thing wrong with a flow definition.

    Attributes:
        line: 1-based line of the source where the problem is.
        column: 1-based column.
        path: where in the definition (``steps.name.next``).
        message: what is wrong, in words staff understand.
    """

    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"line {self.line}{where}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column, "path": self.path,
                "message": self.message}


class FlowDefinitionError(DomainError):
    """A flow definition was refused; ``problems`` lists every problem found, by line."""

    code = "invalid_flow"

    def __init__(self, problems: Sequence[Problem]) -> None:
        ordered = tuple(sorted(problems))
        first = str(ordered[0]) if ordered else "the flow definition is invalid"
        more = f" (and {len(ordered) - 1} more)" if len(ordered) > 1 else ""
        super().__init__(first + more)
        self.problems = ordered

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "message": self.message,
                "problems": [p.to_dict() for p in self.problems]}
