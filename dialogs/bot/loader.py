"""Parse and validate a flow definition written in YAML or JSON (BOT-06).

Every problem is reported with the line it is on, all at once, so staff can fix a definition in
one go::

    flow: ask_a_nurse
    title: Ask a nurse
    start: name
    steps:
      name:
        ask: What is your full name?
        expect: full_name
        next: question
      question:
        ask: What would you like to ask?
        expect: text
        save: question
        next: hand_over
      hand_over:
        action: hand_over
        with: {summary: "Question for a nurse: {question}"}
        on: {done: thanks}
      thanks:
        say: Thank you, {first_name}. A nurse will answer you here.
        next: "@wait_for_staff"
"""

from __future__ import annotations

import functools
import re
from types import MappingProxyType
from typing import Any

import yaml

from dialogs.bot._nodes import Collector, compose, mapping_items
from dialogs.bot.checks import check_graph
from dialogs.bot.definition import (
    ACTIONS,
    Expect,
    FlowDefinition,
    Option,
    Step,
    StepKind,
)
from dialogs.bot.problems import FlowDefinitionError, Problem

__all__ = ["MAX_SOURCE", "MAX_STEPS", "MAX_TEXT", "check_flow", "load_flow"]

MAX_SOURCE = 64 * 1024
MAX_STEPS = 100
MAX_TEXT = 1000
MAX_OPTIONS = 9
MAX_LABEL = 60

KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
STEP_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")
FIELD = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

_TOP = ("flow", "title", "description", "start", "steps")
_STEP = ("say", "ask", "action", "next", "expect", "save", "options", "retry", "on", "with")
_OPTION = ("label", "next", "value")


def load_flow(source: str, *, system: bool = False) -> FlowDefinition:
    """The flow ``source`` defines (definitions are immutable: the same source gives the same
    object, parsed once).

    Args:
        source: the definition, YAML or JSON text.
        system: the definition is one of Careline's system flows.

    Raises:
        FlowDefinitionError: the definition is refused; its ``problems`` name the lines.
    """
    return _load(source, system)


@functools.lru_cache(maxsize=256)
def _load(source: str, system: bool) -> FlowDefinition:
    flow, problems = _read(source, system)
    if problems or flow is None:
        raise FlowDefinitionError(problems or [Problem(1, 1, "", "the definition is empty")])
    return flow


def check_flow(source: str) -> list[Problem]:
    """Every problem of ``source``, in line order (empty when the definition is valid)."""
    return sorted(_read(source, False)[1])


def _read(source: str, system: bool) -> tuple[FlowDefinition | None, list[Problem]]:
    collector = Collector()
    if len(source.encode("utf-8", "surrogatepass")) > MAX_SOURCE:
        return None, [Problem(1, 1, "", f"the definition is longer than {MAX_SOURCE} bytes")]
    root = compose(source, collector)
    if root is None:
        if not collector.problems:
            collector.problems.append(Problem(1, 1, "", "the definition is empty"))
        return None, collector.problems
    if not isinstance(root, yaml.MappingNode):
        collector.at(root, "", "a flow definition is a mapping with flow, title, start, steps")
        return None, collector.problems
    top: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, key_node, value in mapping_items(root, "", collector):
        if key not in _TOP:
            collector.at(key_node, key, f"unknown key {key!r}; expected one of {', '.join(_TOP)}")
            continue
        top[key] = (key_node, value)
    for required in ("flow", "title", "start", "steps"):
        if required not in top:
            collector.at(root, required, f"{required!r} is required")
    values = {k: _top_text(collector, k, v[1]) for k, v in top.items() if k != "steps"}
    steps: dict[str, Step] = {}
    declared: set[str] = set()
    if "steps" in top:
        steps, declared = _steps(collector, top["steps"][1])
    flow_key = values.get("flow")
    if flow_key is not None and not KEY.match(flow_key):
        collector.at(top["flow"][1], "flow",
                     "must be 2-40 lower-case letters, digits or _, starting with a letter")
    start = values.get("start")
    if start is not None and declared and start not in declared:
        collector.at(top["start"][1], "start",
                     f"there is no step {start!r} (steps: {_names(declared)})")
    if steps:
        # Steps with problems of their own still count as declared, so that a mistake in one
        # step is reported once, not again at every step that goes to it.
        complete = declared == set(steps) and start in steps
        check_graph(collector, steps, start if complete else None, system=system,
                    declared=declared)
    if collector.problems or flow_key is None or start is None:
        return None, collector.problems
    flow = FlowDefinition(
        key=flow_key, title=values.get("title") or flow_key, start=start,
        steps=MappingProxyType(steps), description=values.get("description") or "",
        system=system,
    )
    return flow, []


def _top_text(collector: Collector, key: str, node: yaml.Node) -> str | None:
    limit = {"title": 60, "description": 300}.get(key, 40)
    return collector.text(node, key, max_length=limit, required=key != "description")


def _steps(collector: Collector, node: yaml.Node) -> tuple[dict[str, Step], set[str]]:
    if not isinstance(node, yaml.MappingNode) or not node.value:
        collector.at(node, "steps", "must map step names to steps")
        return {}, set()
    steps: dict[str, Step] = {}
    declared: set[str] = set()
    for step_id, key_node, value in mapping_items(node, "steps", collector):
        path = f"steps.{step_id}"
        if not STEP_ID.match(step_id) or step_id.startswith("@"):
            collector.at(key_node, path,
                         "step names are 1-40 letters, digits, _ or -, starting with a letter")
            continue
        if len(steps) >= MAX_STEPS:
            collector.at(key_node, path, f"a flow has at most {MAX_STEPS} steps")
            break
        declared.add(step_id)
        step = _step(collector, step_id, key_node, value, path)
        if step is not None:
            steps[step_id] = step
    return steps, declared


def _step(collector: Collector, step_id: str, key_node: yaml.Node, node: yaml.Node, path: str
          ) -> Step | None:
    if not isinstance(node, yaml.MappingNode):
        collector.at(node, path, "a step is a mapping (say/ask/action, next...)")
        return None
    fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, k_node, value in mapping_items(node, path, collector):
        if key not in _STEP:
            collector.at(k_node, f"{path}.{key}",
                         f"unknown key {key!r}; a step may have {', '.join(_STEP)}")
            continue
        fields[key] = (k_node, value)
    kinds = [k for k in ("say", "ask", "action") if k in fields]
    if len(kinds) != 1:
        collector.at(key_node, path, "a step needs exactly one of say, ask or action")
        return None
    kind = StepKind(kinds[0])
    before = len(collector.problems)
    marks: dict[str, tuple[int, int]] = {}
    values: dict[str, Any] = {"id": step_id, "kind": kind, "line": key_node.start_mark.line + 1,
                              "marks": marks}
    main = fields[kind.value][1]
    if kind is StepKind.ACTION:
        values.update(_action(collector, fields, path, marks))
    else:
        values["text"] = collector.text(main, f"{path}.{kind.value}", max_length=MAX_TEXT) or ""
        _mark(marks, "text", main)
    if kind is StepKind.ASK:
        values.update(_ask(collector, fields, path, marks))
    for extra in ("expect", "save", "options", "retry") if kind is not StepKind.ASK else ():
        if extra in fields:
            collector.at(fields[extra][0], f"{path}.{extra}", f"{extra!r} belongs to ask steps")
    for extra in ("on", "with") if kind is not StepKind.ACTION else ():
        if extra in fields:
            collector.at(fields[extra][0], f"{path}.{extra}", f"{extra!r} belongs to action steps")
    options = values.get("options", ())
    if kind is not StepKind.ACTION:
        if "next" in fields and options:
            collector.at(fields["next"][0], f"{path}.next",
                         "a step with options goes where the chosen option says; remove next")
        elif "next" in fields:
            values["next"] = collector.text(fields["next"][1], f"{path}.next", max_length=40) or ""
            _mark(marks, "next", fields["next"][1])
        elif not options:
            collector.at(key_node, path, "this step needs 'next' (where to go afterwards)")
    elif "next" in fields:
        collector.at(fields["next"][0], f"{path}.next",
                     "an action goes where its outcome says ('on'); remove next")
    if len(collector.problems) > before:
        return None
    return Step(**{**values, "marks": MappingProxyType(marks)})


def _ask(collector: Collector, fields: dict[str, tuple[yaml.Node, yaml.Node]], path: str,
         marks: dict[str, tuple[int, int]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    expect: Expect | None = Expect.CHOICE if "options" in fields else Expect.TEXT
    if "expect" in fields:
        raw = collector.text(fields["expect"][1], f"{path}.expect", max_length=40)
        try:
            expect = Expect(raw) if raw is not None else None
        except ValueError:
            kinds = ", ".join(e.value for e in Expect)
            collector.at(fields["expect"][1], f"{path}.expect",
                         f"unknown answer kind {raw!r}; expected one of {kinds}")
            expect = None
    values["expect"] = expect
    if "save" in fields:
        name = collector.text(fields["save"][1], f"{path}.save", max_length=40)
        if name is not None and not FIELD.match(name):
            collector.at(fields["save"][1], f"{path}.save",
                         "must be a lower-case name (letters, digits, _), starting with a letter")
        values["save"] = name or ""
    if "retry" in fields:
        values["retry"] = collector.text(fields["retry"][1], f"{path}.retry",
                                         max_length=MAX_TEXT) or ""
        _mark(marks, "retry", fields["retry"][1])
    if "options" in fields:
        values["options"] = _options(collector, fields["options"][1], f"{path}.options", marks)
        if expect is not None and expect is not Expect.CHOICE:
            collector.at(fields["options"][0], f"{path}.options",
                         f"options need 'expect: choice' (not {expect.value})")
    elif expect is Expect.CHOICE:
        collector.at(fields["ask"][0], path, "'expect: choice' needs options")
    return values


def _options(collector: Collector, node: yaml.Node, path: str,
             marks: dict[str, tuple[int, int]]) -> tuple[Option, ...]:
    if not isinstance(node, yaml.SequenceNode):
        collector.at(node, path, "must be a list of options (label and next)")
        return ()
    if not 2 <= len(node.value) <= MAX_OPTIONS:
        collector.at(node, path, f"give between 2 and {MAX_OPTIONS} options")
    options: list[Option] = []
    labels: set[str] = set()
    for index, item in enumerate(node.value):
        where = f"{path}[{index + 1}]"
        if not isinstance(item, yaml.MappingNode):
            collector.at(item, where, "an option is a mapping with label and next")
            continue
        found: dict[str, str] = {}
        for key, k_node, value in mapping_items(item, where, collector):
            if key not in _OPTION:
                hint = (" (put a label that contains a comma in quotes)"
                        if item.flow_style or " " in key else "")
                collector.at(k_node, f"{where}.{key}",
                             f"unknown key {key!r}; an option has label, next and value{hint}")
                continue
            limit = MAX_LABEL if key == "label" else 40
            text = collector.text(value, f"{where}.{key}", max_length=limit)
            if text is not None:
                found[key] = text
                _mark(marks, f"options[{index + 1}].{key}", value)
        if "label" not in found or "next" not in found:
            collector.at(item, where, "an option needs a label and a next")
            continue
        folded = found["label"].casefold()
        if folded in labels:
            collector.at(item, where, f"the label {found['label']!r} is used twice")
        labels.add(folded)
        options.append(Option(found["label"], found["next"], found.get("value", "")))
    return tuple(options)


def _action(collector: Collector, fields: dict[str, tuple[yaml.Node, yaml.Node]], path: str,
            marks: dict[str, tuple[int, int]]) -> dict[str, Any]:
    node = fields["action"][1]
    name = collector.text(node, f"{path}.action", max_length=40)
    spec = ACTIONS.get(name or "")
    if name is not None and spec is None:
        collector.at(node, f"{path}.action",
                     f"unknown action {name!r}; expected one of {', '.join(ACTIONS)}")
    if spec is None:
        return {"action": name or ""}
    params: dict[str, Any] = {}
    if "with" in fields:
        params = _params(collector, fields["with"][1], f"{path}.with", spec.params, marks)
    for missing in sorted(spec.required - params.keys()):
        collector.at(fields["action"][0], f"{path}.with",
                     f"the {name} action needs 'with: {{{missing}: ...}}'")
    on: dict[str, str] = {}
    if "on" not in fields:
        collector.at(fields["action"][0], f"{path}.on",
                     f"say where each outcome goes: on: {{{', '.join(spec.outcomes)}}}")
    elif not isinstance(fields["on"][1], yaml.MappingNode):
        collector.at(fields["on"][1], f"{path}.on", "must map outcomes to steps")
    else:
        for outcome, k_node, value in mapping_items(fields["on"][1], f"{path}.on", collector):
            if outcome not in spec.outcomes:
                collector.at(k_node, f"{path}.on.{outcome}",
                             f"the {name} action has no outcome {outcome!r} "
                             f"(its outcomes: {', '.join(spec.outcomes)})")
                continue
            target = collector.text(value, f"{path}.on.{outcome}", max_length=40)
            if target is not None:
                on[outcome] = target
                _mark(marks, f"on.{outcome}", value)
        for missing in (o for o in spec.outcomes if o not in on):
            collector.at(fields["on"][0], f"{path}.on",
                         f"say where the {missing!r} outcome of {name} goes")
    return {"action": name, "params": MappingProxyType(params), "on": MappingProxyType(on)}


def _params(collector: Collector, node: yaml.Node, path: str, allowed: Any,
            marks: dict[str, tuple[int, int]]) -> dict[str, Any]:
    if not isinstance(node, yaml.MappingNode):
        collector.at(node, path, "must be a mapping of parameters")
        return {}
    params: dict[str, Any] = {}
    for key, k_node, value in mapping_items(node, path, collector):
        kind = allowed.get(key)
        if kind is None:
            names = ", ".join(allowed) or "none"
            collector.at(k_node, f"{path}.{key}", f"unknown parameter {key!r} (allowed: {names})")
        elif kind == "int":
            number = collector.integer(value, f"{path}.{key}", 1, 60)
            if number is not None:
                params[key] = number
        else:
            text = collector.text(value, f"{path}.{key}", max_length=MAX_TEXT)
            if text is not None:
                params[key] = text
                _mark(marks, f"with.{key}", value)
    return params


def _mark(marks: dict[str, tuple[int, int]], name: str, node: yaml.Node) -> None:
    marks[name] = (node.start_mark.line + 1, node.start_mark.column + 1)


def _names(steps: set[str]) -> str:
    names = sorted(steps)
    shown = ", ".join(names[:8])
    return shown + (", ..." if len(names) > 8 else "")
