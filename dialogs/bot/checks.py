"""Checks across the steps of a flow: every ``next`` leads somewhere, every step can be reached,
no loop runs without asking the visitor anything, placeholders name known answers, and actions
find the answers they read."""

from __future__ import annotations

import re
from collections.abc import Mapping, Set

from dialogs.bot._nodes import Collector
from dialogs.bot.definition import (
    ACTIONS,
    BUILT_IN_FIELDS,
    SYSTEM_TARGETS,
    Expect,
    Step,
    StepKind,
)

__all__ = ["FLOW_TARGET", "check_graph", "placeholders"]

FLOW_TARGET = "@flow:"
"""System flows (Welcome) may start another flow: ``@flow:<key>``."""

_BRACES = re.compile(r"\{([^{}]*)\}")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def placeholders(text: str) -> tuple[list[str], bool]:
    """The placeholder names in ``text`` and whether its braces are well formed."""
    names = _BRACES.findall(text)
    rest = _BRACES.sub("", text)
    ok = "{" not in rest and "}" not in rest and all(_NAME.match(n) for n in names)
    return names, ok


def check_graph(collector: Collector, steps: Mapping[str, Step], start: str | None, *,
                system: bool, declared: Set[str]) -> None:
    """Add a problem for each cross-step mistake (see the module docstring).

    Args:
        collector: where problems go.
        steps: the steps that parsed.
        start: the first step; None when some step did not parse (reachability and loops are
            then not checked, to avoid reporting one mistake many times).
        system: the flow is a system flow (may start other flows with ``@flow:<key>``).
        declared: every step name of the source, including steps that did not parse.
    """
    _targets(collector, steps, system, declared)
    if start is not None:
        _reachable(collector, steps, start)
        _loops(collector, steps)
    _fields(collector, steps)


def _targets(collector: Collector, steps: Mapping[str, Step], system: bool,
             declared: Set[str]) -> None:
    for step in steps.values():
        parts = [("next", step.next)] if step.next else []
        parts += [(f"options[{i + 1}].next", o.next) for i, o in enumerate(step.options)]
        parts += [(f"on.{k}", v) for k, v in step.on.items()]
        for part, target in parts:
            if target in declared or target in SYSTEM_TARGETS:
                continue
            if system and target.startswith(FLOW_TARGET):
                continue
            if target.startswith("@"):
                allowed = ", ".join(sorted(SYSTEM_TARGETS))
                message = f"unknown system target {target!r} (use one of {allowed})"
            else:
                message = f"there is no step {target!r}"
            collector.at_position(step.mark(part), f"steps.{step.id}.{part}", message)


def _reachable(collector: Collector, steps: Mapping[str, Step], start: str) -> None:
    seen = {start}
    queue = [start]
    while queue:
        for target in steps[queue.pop()].targets():
            if target in steps and target not in seen:
                seen.add(target)
                queue.append(target)
    for step in steps.values():
        if step.id not in seen:
            collector.at_position((step.line, 1), f"steps.{step.id}",
                                  f"step {step.id!r} can never be reached from the start")


def _loops(collector: Collector, steps: Mapping[str, Step]) -> None:
    """A cycle through say/action steps only would never stop to wait for the visitor."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(step_id: str, path: list[str]) -> list[str] | None:
        state[step_id] = 1
        path.append(step_id)
        for target in steps[step_id].targets():
            if target not in steps or steps[target].waits:
                continue
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state:
                found = visit(target, path)
                if found:
                    return found
        path.pop()
        state[step_id] = 2
        return None

    for step in steps.values():
        if step.waits or step.id in state:
            continue
        cycle = visit(step.id, [])
        if cycle:
            first = steps[cycle[0]]
            collector.at_position((first.line, 1), f"steps.{first.id}",
                                  "these steps loop without asking the visitor anything: "
                                  + " -> ".join(cycle))
            return


def _fields(collector: Collector, steps: Mapping[str, Step]) -> None:
    saved: set[str] = set()
    for step in steps.values():
        if step.save:
            saved.add(step.save)
        if step.expect is Expect.FULL_NAME:
            saved.update(("first_name", "last_name", step.save or "full_name"))
        if step.expect is Expect.DATE_OF_BIRTH:
            saved.add(step.save or "date_of_birth")
        if step.expect is Expect.CODE:
            saved.add(step.save or "code")
    known = saved | BUILT_IN_FIELDS
    actions = {s.action for s in steps.values() if s.kind is StepKind.ACTION}
    expects = {s.expect for s in steps.values() if s.expect is not None}
    for step in steps.values():
        texts = [("text", step.text), ("retry", step.retry)]
        texts += [(f"with.{k}", v) for k, v in step.params.items() if isinstance(v, str)]
        for part, text in texts:
            names, ok = placeholders(text)
            path = f"steps.{step.id}.{part}"
            if not ok:
                collector.at_position(step.mark(part), path,
                                      "braces are for placeholders such as {first_name}")
            for name in names:
                if _NAME.match(name) and name not in known:
                    collector.at_position(step.mark(part), path,
                                          f"unknown placeholder {{{name}}}: no step saves it")
        spec = ACTIONS.get(step.action)
        if spec is not None:
            for needed in spec.needs:
                if needed not in saved:
                    collector.at_position((step.line, 1), f"steps.{step.id}.action",
                                          f"the {step.action} action reads the answer "
                                          f"{needed!r}, but no step saves it")
            _action_order(collector, step, actions, expects)
        if step.expect is Expect.SLOT and "find_slots" not in actions:
            collector.at_position((step.line, 1), f"steps.{step.id}.expect",
                                  "choosing a slot needs a find_slots action in the flow")


_PREREQUISITES = {
    "send_code": ("identify",),
    "check_code": ("send_code",),
    "book": ("find_slots", "check_code"),
}


def _action_order(collector: Collector, step: Step, actions: set[str],
                  expects: set[Expect]) -> None:
    for needed in _PREREQUISITES.get(step.action, ()):
        if needed not in actions:
            collector.at_position((step.line, 1), f"steps.{step.id}.action",
                                  f"the {step.action} action needs a {needed} action "
                                  "earlier in the flow")
    if step.action == "book" and Expect.SLOT not in expects:
        collector.at_position((step.line, 1), f"steps.{step.id}.action",
                              "the book action needs a step with 'expect: slot' to choose a slot")
