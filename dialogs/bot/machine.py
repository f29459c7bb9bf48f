"""One ``transitions`` Machine per flow definition: the flow's steps (and the targets outside it)
are the states, and the transition table says which event leads where.

Events: ``proceed`` (a say step is done), ``answer`` (an ask step without options got an
answer), ``choose_<n>`` (option n was picked), ``outcome_<name>`` (an action reported).
The machine serves many short-lived models, like ``dialogs.flows.base.FlowSpec``.
"""

from __future__ import annotations

from typing import Any

from transitions import Machine
from transitions.core import MachineError

from dialogs.bot.definition import FlowDefinition, StepKind

__all__ = ["FlowMachine", "InvalidEvent"]


class InvalidEvent(ValueError):
    """The event is not allowed in the state (a bug in the caller, never the visitor's)."""


class _Model:
    state: str


class FlowMachine:
    """The state machine of one flow definition.

    Args:
        flow: the validated definition.
    """

    def __init__(self, flow: FlowDefinition) -> None:
        self.flow = flow
        self.states = flow.states
        table: list[dict[str, Any]] = []
        for step in flow.steps.values():
            if step.kind is StepKind.SAY:
                table.append({"trigger": "proceed", "source": step.id, "dest": step.next})
            elif step.kind is StepKind.ASK and step.options:
                table += [
                    {"trigger": f"choose_{index}", "source": step.id, "dest": option.next}
                    for index, option in enumerate(step.options, start=1)
                ]
            elif step.kind is StepKind.ASK:
                table.append({"trigger": "answer", "source": step.id, "dest": step.next})
            else:
                table += [
                    {"trigger": f"outcome_{outcome}", "source": step.id, "dest": target}
                    for outcome, target in step.on.items()
                ]
        self.events = tuple(dict.fromkeys(str(t["trigger"]) for t in table))
        self._machine = Machine(
            model=None,
            states=list(self.states),
            initial=flow.start,
            transitions=table,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            name=flow.key,
        )

    def allowed(self, state: str) -> tuple[str, ...]:
        """The events ``state`` accepts (none for the targets outside the flow)."""
        return tuple(self._machine.get_triggers(state))

    def fire(self, state: str, event: str) -> str:
        """The state ``event`` leads to from ``state``.

        Raises:
            InvalidEvent: ``state`` is not a state of the flow or does not accept ``event``.
        """
        if state not in self.states:
            raise InvalidEvent(f"{self.flow.key} has no state {state!r}")
        model = _Model()
        self._machine.add_model(model, initial=state)
        try:
            model.trigger(event)  # type: ignore[attr-defined]
        except (MachineError, AttributeError) as exc:
            raise InvalidEvent(f"{self.flow.key}: {event!r} is not allowed in {state!r}") from exc
        finally:
            self._machine.remove_model(model)
        return model.state
