"""Reading a YAML (or JSON) node tree while keeping every node's line, for error messages.

Definitions are composed (``yaml.compose``), not constructed: scalars stay the text staff wrote
(``Yes`` stays ``Yes``, not ``True``) and every node keeps its position in the source.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from dialogs.bot.problems import Problem

__all__ = ["MAX_NODES", "Collector", "compose", "mapping_items"]

MAX_NODES = 5000
"""More nodes than this (e.g. through aliases) and the definition is refused."""

_NULL = "tag:yaml.org,2002:null"
# libyaml's parser when PyYAML has it (twenty times faster), with the same node marks.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Collector:
    """Gathers problems, each pinned to a node's position."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def at(self, node: yaml.Node | None, path: str, message: str) -> None:
        line, column = (1, 1) if node is None else (
            node.start_mark.line + 1, node.start_mark.column + 1
        )
        self.problems.append(Problem(line, column, path, message))

    def at_position(self, position: tuple[int, int], path: str, message: str) -> None:
        self.problems.append(Problem(position[0], position[1], path, message))

    def text(self, node: yaml.Node, path: str, *, max_length: int, required: bool = True
             ) -> str | None:
        """The node's text, or None (with a problem) when it is not usable text."""
        if not isinstance(node, yaml.ScalarNode) or (node.tag == _NULL and required):
            self.at(node, path, "must be text")
            return None
        value = "" if node.tag == _NULL else str(node.value).strip()
        if required and not value:
            self.at(node, path, "must not be empty")
            return None
        if len(value) > max_length:
            self.at(node, path, f"is longer than {max_length} characters")
            return None
        if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
            self.at(node, path, "contains control characters")
            return None
        return value

    def integer(self, node: yaml.Node, path: str, low: int, high: int) -> int | None:
        """The node as a whole number in ``low..high``, or None (with a problem)."""
        raw = node.value if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(raw, str) or not raw.strip().isdigit():
            self.at(node, path, f"must be a whole number from {low} to {high}")
            return None
        value = int(raw.strip())
        if not low <= value <= high:
            self.at(node, path, f"must be a whole number from {low} to {high}")
            return None
        return value


def compose(source: str, collector: Collector) -> yaml.Node | None:
    """The source's node tree; None (with a problem naming the line) when it does not parse."""
    try:
        node = yaml.compose(source, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        column = mark.column + 1 if mark is not None else 1
        what = " ".join(p for p in (exc.context, exc.problem) if p) or "not valid YAML or JSON"
        collector.problems.append(Problem(line, column, "", f"not valid YAML or JSON: {what}"))
        return None
    except yaml.YAMLError as exc:
        collector.problems.append(Problem(1, 1, "", f"not valid YAML or JSON: {exc}"))
        return None
    if node is not None and _count(node, MAX_NODES + 1) > MAX_NODES:
        collector.at(node, "", f"the definition is too large (more than {MAX_NODES} values)")
        return None
    return node


def mapping_items(
    node: yaml.MappingNode, path: str, collector: Collector
) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
    """(key text, key node, value node) of a mapping; repeated or non-text keys are problems."""
    seen: set[str] = set()
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _NULL:
            collector.at(key_node, path, "keys must be plain names")
            continue
        key = str(key_node.value)
        if key in seen:
            collector.at(key_node, _join(path, key), f"{key!r} is given twice")
            continue
        seen.add(key)
        yield key, key_node, value_node


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _count(node: yaml.Node, limit: int) -> int:
    seen = 0
    stack: list[yaml.Node] = [node]
    while stack and seen < limit:
        current = stack.pop()
        seen += 1
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.extend((key, value))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return seen
