"""An organisation's bot: its Welcome menu, the system flows, its own flows and the system
messages its staff reworded. The engine reads everything from here."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from types import MappingProxyType

from dialogs.bot.checks import FLOW_TARGET
from dialogs.bot.definition import (
    Expect,
    FlowDefinition,
    Option,
    Step,
    StepKind,
    Target,
)
from dialogs.bot.machine import FlowMachine
from dialogs.bot.shipped import system_flows
from dialogs.bot.texts import DEFAULT_RETRY, SESSION_TEXTS

__all__ = ["WELCOME", "Catalog", "welcome_flow"]

WELCOME = "welcome"


def welcome_flow(menu: Sequence[FlowDefinition], overrides: Mapping[str, str]) -> FlowDefinition:
    """The Welcome flow (BOT-15): the welcome prompt and one option per flow of the menu, then
    "Talk to our team"."""
    staff_label = overrides.get("welcome.menu.options.staff",
                                SESSION_TEXTS["welcome.menu.options.staff"])
    options = [Option(flow.title, f"{FLOW_TARGET}{flow.key}") for flow in menu]
    options.append(Option(staff_label, Target.STAFF.value))
    menu_step = Step(
        id="menu", kind=StepKind.ASK, text="{welcome_prompt}", expect=Expect.CHOICE,
        options=tuple(options),
        retry=overrides.get("welcome.menu.retry", SESSION_TEXTS["welcome.menu.retry"]),
    )
    return FlowDefinition(key=WELCOME, title="Welcome", start="menu",
                          steps=MappingProxyType({"menu": menu_step}), system=True,
                          description="Greets the visitor and offers the organisation's flows.")


class Catalog:
    """The flows and texts of one organisation's bot.

    Args:
        flows: the organisation's enabled user flows, in menu order.
        overrides: reworded system messages by key (see ``texts.editable_texts``).
    """

    def __init__(self, flows: Sequence[FlowDefinition] = (),
                 overrides: Mapping[str, str] | None = None) -> None:
        self.overrides: Mapping[str, str] = MappingProxyType(dict(overrides or {}))
        self.system = system_flows()
        self.user: Mapping[str, FlowDefinition] = MappingProxyType(
            {f.key: f for f in flows if f.key not in self.system and f.key != WELCOME}
        )
        self.welcome = welcome_flow(list(self.user.values()), self.overrides)
        self._flows: dict[str, FlowDefinition] = {
            WELCOME: self.welcome, **self.system, **self.user
        }
        self._machines: dict[str, FlowMachine] = {}

    @property
    def keys(self) -> tuple[str, ...]:
        """Every flow the bot may be in."""
        return tuple(self._flows)

    def flow(self, key: str) -> FlowDefinition | None:
        """The flow ``key``, or None when the organisation has no such (enabled) flow."""
        return self._flows.get(key)

    def machine(self, key: str) -> FlowMachine:
        """The state machine of flow ``key`` (built on first use).

        Raises:
            KeyError: no such flow.
        """
        machine = self._machines.get(key)
        if machine is None:
            machine = self._machines[key] = _machine_of(self._flows[key])
        return machine

    def text(self, flow: FlowDefinition, step: Step) -> str:
        """The step's message, as reworded by staff for system flows."""
        if flow.system:
            return self.overrides.get(f"{flow.key}.{step.id}", step.text)
        return step.text

    def retry(self, flow: FlowDefinition, step: Step) -> str:
        """What to say when an answer to ``step`` was not understood."""
        default = step.retry or DEFAULT_RETRY.get(
            (step.expect or Expect.TEXT).value, DEFAULT_RETRY["text"]
        )
        if flow.system:
            return self.overrides.get(f"{flow.key}.{step.id}.retry", default)
        return default

    def labels(self, flow: FlowDefinition, step: Step) -> tuple[str, ...]:
        """The labels of the step's options, as reworded by staff for system flows."""
        if not flow.system or flow.key == WELCOME:
            return tuple(o.label for o in step.options)
        return tuple(
            self.overrides.get(f"{flow.key}.{step.id}.options.{index}", option.label)
            for index, option in enumerate(step.options, start=1)
        )

    def session_text(self, key: str) -> str:
        """A session message (``session.still_there``...), as reworded by staff."""
        return self.overrides.get(key, SESSION_TEXTS[key])


_MACHINES: OrderedDict[int, tuple[FlowDefinition, FlowMachine]] = OrderedDict()
_MACHINES_KEPT = 256


def _machine_of(flow: FlowDefinition) -> FlowMachine:
    """The machine of a definition, shared by the catalogs that hold the same definition
    (``load_flow`` gives one object per source), so rebuilding a catalog costs nothing."""
    found = _MACHINES.get(id(flow))
    if found is not None and found[0] is flow:
        _MACHINES.move_to_end(id(flow))
        return found[1]
    machine = FlowMachine(flow)
    _MACHINES[id(flow)] = (flow, machine)
    while len(_MACHINES) > _MACHINES_KEPT:
        _MACHINES.popitem(last=False)
    return machine
