"""Draw the flows: Mermaid state diagrams straight from each flow's transition table, or SVG
through transitions' GraphMachine when Graphviz is installed. ``careline flows draw``.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
from collections.abc import Iterable, Sequence
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from dialogs.flows import ALL_SPECS
from dialogs.flows.base import FlowSpec

__all__ = ["DrawingUnavailable", "add_parser", "markdown", "mermaid", "svg"]

Spec = FlowSpec[Any]


class DrawingUnavailable(Exception):
    """SVG needs Graphviz (the ``dot`` program and the ``graphviz`` Python package)."""


def _names(value: Any) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    return [v.value if isinstance(v, Enum) else str(v) for v in values]


def _callable_names(value: Any) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    return [v if isinstance(v, str) else getattr(v, "__name__", "?") for v in values if v]


def edges(spec: Spec) -> list[tuple[str, str, str]]:
    """(source, destination, label) of every transition; internal ones loop on their state."""
    found: list[tuple[str, str, str]] = []
    for transition in spec.transitions:
        label = str(transition["trigger"])
        conditions = _callable_names(transition.get("conditions"))
        if conditions:
            label += f" [{' & '.join(conditions)}]"
        outcome = [n.split("=", 1)[1] for n in _callable_names(transition.get("before"))
                   if n.startswith("outcome=")]
        if outcome:
            label += f" / {outcome[0]}"
        dest = transition["dest"]
        for source in _names(transition["source"]):
            target = source if dest is None else _names(dest)[0]
            if (source, target, label) not in found:
                found.append((source, target, label))
    return found


def mermaid(spec: Spec) -> str:
    """The flow as a Mermaid ``stateDiagram-v2`` (start, transitions, terminal states)."""
    lines = ["stateDiagram-v2", f"    [*] --> {spec.initial.value}"]
    lines += [f"    {source} --> {target}: {label}" for source, target, label in edges(spec)]
    lines += [f"    {state.value} --> [*]" for state in spec.states if state in spec.terminal]
    return "\n".join(lines) + "\n"


def markdown(specs: Iterable[Spec] = ALL_SPECS) -> str:
    """The diagrams section of docs/flows.md: every flow with its summary, states and diagram."""
    parts = []
    for spec in specs:
        waiting = ", ".join(f"`{s.value}`" for s in spec.states if s in spec.waiting)
        terminal = ", ".join(f"`{s.value}`" for s in spec.states if s in spec.terminal)
        parts.append(f"### {spec.name}\n\n{spec.summary}\n")
        parts.append(f"- waiting states: {waiting}\n- terminal states: {terminal or 'none'}\n")
        parts.append(f"```mermaid\n{mermaid(spec)}```\n")
    return "\n".join(parts)


class _Model:
    """A model for GraphMachine to draw (it draws the graph of its first model)."""


def graph_machine(
    spec: Spec, *, engine: Literal["graphviz", "pygraphviz", "mermaid"]
) -> Any:
    """transitions' GraphMachine for ``spec`` (``engine``: graphviz, pygraphviz or mermaid)."""
    from transitions.extensions import GraphMachine

    return GraphMachine(
        model=_Model(), states=spec.states, initial=spec.initial,
        transitions=list(spec.transitions), auto_transitions=False, show_conditions=True,
        graph_engine=engine, title=spec.name, send_event=True,
    )


def svg(spec: Spec) -> bytes:
    """The flow drawn by Graphviz.

    Raises:
        DrawingUnavailable: Graphviz is not installed.
    """
    if importlib.util.find_spec("graphviz") is None or shutil.which("dot") is None:
        raise DrawingUnavailable(
            "SVG output needs Graphviz: install the 'dot' program (Debian: apt install graphviz) "
            "and the Python package (pip install graphviz). Mermaid output needs nothing: "
            "careline flows draw --format mermaid"
        )
    graph = graph_machine(spec, engine="graphviz").get_graph()
    drawn = graph.draw(None, format="svg", prog="dot")
    return drawn if isinstance(drawn, bytes) else str(drawn).encode()


def _select(names: Sequence[str] | None) -> list[Spec]:
    if not names:
        return list(ALL_SPECS)
    known = {spec.name: spec for spec in ALL_SPECS}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit(f"careline: unknown flow {unknown[0]!r} "
                         f"(known: {', '.join(sorted(known))})")
    return [known[n] for n in names]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``flows draw`` to the ``careline`` command's subparsers (handler(args, settings))."""
    flows: argparse.ArgumentParser = subparsers.add_parser("flows", help="the dialog flows")
    actions = flows.add_subparsers(dest="flows_command", required=True, metavar="ACTION")
    draw = actions.add_parser(
        "draw", help="export every flow's state diagram",
        description="Print each flow's state diagram as Mermaid text (default), the whole "
        "docs page (markdown), or write one SVG per flow with Graphviz.",
    )
    draw.add_argument("--format", choices=("mermaid", "markdown", "svg"), default="mermaid")
    draw.add_argument("--flow", action="append", dest="flows", metavar="NAME",
                      help="only this flow (repeatable)")
    draw.add_argument("--output", default=".", help="directory for SVG files (default .)")
    draw.set_defaults(handler=_draw)
    return flows


def _draw(args: argparse.Namespace, settings: object = None) -> int:
    out = getattr(args, "stdout", sys.stdout)
    specs = _select(args.flows)
    if args.format == "markdown":
        out.write(markdown(specs))
        return 0
    if args.format == "mermaid":
        out.write("\n".join(f"%% {spec.name}\n{mermaid(spec)}" for spec in specs))
        return 0
    folder = Path(args.output)
    try:
        drawings = [(spec.name, svg(spec)) for spec in specs]
    except DrawingUnavailable as exc:
        print(f"careline: {exc}", file=sys.stderr)
        return 1
    folder.mkdir(parents=True, exist_ok=True)
    for name, drawing in drawings:
        path = folder / f"{name}.svg"
        path.write_bytes(drawing)
        print(f"wrote {path}", file=out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m dialogs.drawing draw [--format ...]`` without the ``careline`` command."""
    parser = argparse.ArgumentParser(prog="careline")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["flows", *(sys.argv[1:] if argv is None else argv)])
    return int(args.handler(args, None))


if __name__ == "__main__":
    raise SystemExit(main())
