"""The bot engine: given the session's state and one event (the visitor's text, an action's
result, the inactivity timer), the new state and what the bot says. Pure.

A turn runs the flow's steps from where it waits: ``say`` steps add messages, an ``ask`` step
ends the turn waiting for the visitor, an ``action`` step pauses the turn until the gateway
reports the action's outcome (``handle_result``). Moves between steps are fired on the flow's
``transitions`` machine; moves of the session (idle, timeout, hand-over, close) on the
session's machine.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dialogs.bot.answers import choose, read_answer
from dialogs.bot.catalog import WELCOME, Catalog
from dialogs.bot.checks import FLOW_TARGET
from dialogs.bot.definition import Expect, FlowDefinition, Step, StepKind, Target
from dialogs.bot.session import SessionStatus, move
from dialogs.bot.state import (
    ActionCall,
    ActionResult,
    BotContext,
    BotMessage,
    BotState,
    Turn,
)
from dialogs.bot.texts import render

__all__ = [
    "enter_flow",
    "handle_idle",
    "handle_result",
    "handle_text",
    "handle_timeout",
    "new_state",
]

MAX_HOPS = 200
"""Steps one turn may run (validation rules out loops that never wait; this is a backstop)."""

_SYSTEM_FLOWS = {
    Target.END.value: "end",
    Target.FEEDBACK.value: "feedback",
    Target.STAFF.value: "connect_with_staff",
}
_HAND_OVER_WAIT = Target.WAIT_FOR_STAFF.value
_DEFAULT_SUMMARY = "Website chat handed over to staff."


def new_state() -> BotState:
    """A visitor's first state: at the Welcome menu, which the widget has shown."""
    return BotState()


def enter_flow(state: BotState, flow_key: str, catalog: Catalog, ctx: BotContext) -> Turn:
    """Start flow ``flow_key`` for the visitor (the Welcome menu for an unknown one), as if
    they had chosen it: its first steps run up to its first question or action."""
    targets = {v: k for k, v in _SYSTEM_FLOWS.items()}
    target = targets.get(flow_key) or (
        Target.WELCOME.value if flow_key == WELCOME else f"{FLOW_TARGET}{flow_key}"
    )
    if state.status is not SessionStatus.BOT:
        state = replace(BotState(), patient_id=state.patient_id, verified=state.verified,
                        identify_attempts=state.identify_attempts)
    return _advance(state, target, catalog, ctx, [], [])


def handle_text(state: BotState, text: str, catalog: Catalog, ctx: BotContext) -> Turn:
    """The visitor wrote ``text``.

    Returns:
        The turn; with ``to_staff`` in its events (and no messages) when staff answer this
        chat, with an ``action`` when the gateway must run one before the turn goes on.
    """
    events: list[str] = []
    messages: list[BotMessage] = []
    if state.status is SessionStatus.STAFF:
        return Turn(state, events=("to_staff",))
    if state.status is SessionStatus.CLOSED:
        state = replace(BotState(), status=move(state.status, "restart"),
                        identify_attempts=state.identify_attempts)
        events.append("restarted")
    if state.status is SessionStatus.CHECKING:
        state = replace(state, status=move(state.status, "resume"))
        picked = choose(text, _still_there_labels(catalog))
        if picked == 1:
            return _advance(state, Target.FEEDBACK.value, catalog, ctx, messages, events)
        if picked == 0:
            messages.append(BotMessage(catalog.session_text("session.resumed")))
            return _reask(state, catalog, ctx, messages, events)
    flow, step = _current(state, catalog)
    if flow is None or step is None:
        return _advance(state, Target.WELCOME.value, catalog, ctx, messages, events)
    if step.kind is StepKind.ACTION:
        return _pause(state, flow, step, ctx, messages, events)
    if step.kind is StepKind.SAY:
        return _advance(state, step.id, catalog, ctx, messages, events)
    labels, values = _choices(state, catalog, flow, step)
    answer = read_answer(
        (step.expect or Expect.TEXT).value, text, save=_save_name(step), labels=labels,
        values=values, today=ctx.today, region=ctx.region,
    )
    if answer is None:
        messages.append(BotMessage(render(catalog.retry(flow, step), _values(state, ctx)),
                                   labels))
        return Turn(state, tuple(messages), None, tuple(events))
    data = dict(state.data)
    data.update(answer.values)
    if step.expect is Expect.SLOT and answer.option is not None:
        data["slot"] = labels[answer.option]
    event = f"choose_{answer.option + 1}" if step.options and answer.option is not None else (
        "answer"
    )
    target = catalog.machine(flow.key).fire(step.id, event)
    return _advance(replace(state, data=data), target, catalog, ctx, messages, events)


def handle_result(state: BotState, result: ActionResult, catalog: Catalog,
                  ctx: BotContext) -> Turn:
    """The action the last turn asked for reported ``result``; the turn goes on.

    Raises:
        ValueError: the state is not waiting for an action, or the outcome is not one of the
            action's (a bug in the gateway).
    """
    data = dict(state.data)
    data.update(result.values)
    if state.step == _HAND_OVER_WAIT:
        handed = replace(state, data=data, handed_over=True)
        return _advance(handed, _HAND_OVER_WAIT, catalog, ctx, [], ["handed_over"])
    flow, step = _current(state, catalog)
    if flow is None or step is None or step.kind is not StepKind.ACTION:
        raise ValueError(f"no action is waiting in {state.flow}.{state.step}")
    if result.outcome not in step.on:
        raise ValueError(f"{step.action} has no outcome {result.outcome!r}")
    events: list[str] = []
    updated = replace(state, data=data)
    if step.action == "identify":
        found = result.patient_id if result.outcome == "found" else None
        updated = replace(updated, patient_id=found, verified=False,
                          identify_attempts=state.identify_attempts + 1)
    elif step.action == "check_code" and result.outcome == "verified":
        updated = replace(updated, verified=True)
        events.append("verified")
    elif step.action == "hand_over":
        updated = replace(updated, handed_over=True)
        events.append("handed_over")
    target = catalog.machine(flow.key).fire(step.id, f"outcome_{result.outcome}")
    return _advance(updated, target, catalog, ctx, [], events)


def handle_idle(state: BotState, catalog: Catalog, ctx: BotContext) -> Turn:
    """The visitor has been quiet too long (BOT-10): ask whether they are still there."""
    if state.status is not SessionStatus.BOT:
        return Turn(state)
    checking = replace(state, status=move(state.status, "idle"))
    message = BotMessage(catalog.session_text("session.still_there"),
                         _still_there_labels(catalog))
    return Turn(checking, (message,))


def handle_timeout(state: BotState, catalog: Catalog, ctx: BotContext) -> Turn:
    """No answer to "Are you still there?" (BOT-14): the session ends."""
    if state.status is not SessionStatus.CHECKING:
        return Turn(state)
    closed = replace(state, status=move(state.status, "timeout"))
    return Turn(closed, (BotMessage(catalog.session_text("session.timed_out")),),
                events=("closed", "timed_out"))


# -- running steps ---------------------------------------------------------------------------


def _advance(state: BotState, target: str, catalog: Catalog, ctx: BotContext,
             messages: list[BotMessage], events: list[str]) -> Turn:
    for _ in range(MAX_HOPS):
        if target.startswith("@"):
            exited = _exit(state, target, catalog, ctx, messages, events)
            if isinstance(exited, Turn):
                return exited
            state, target = exited
            continue
        flow = catalog.flow(state.flow)
        if flow is None or target not in flow.steps:
            state, target = _to_welcome(state), "menu"
            continue
        step = flow.steps[target]
        state = replace(state, step=step.id)
        if step.kind is StepKind.SAY:
            messages.append(BotMessage(render(catalog.text(flow, step), _values(state, ctx))))
            target = catalog.machine(flow.key).fire(step.id, "proceed")
        elif step.kind is StepKind.ASK:
            return _reask(state, catalog, ctx, messages, events)
        else:
            return _pause(state, flow, step, ctx, messages, events)
    return _reask(_to_welcome(state), catalog, ctx, messages, events)


def _exit(state: BotState, target: str, catalog: Catalog, ctx: BotContext,
          messages: list[BotMessage], events: list[str]) -> tuple[BotState, str] | Turn:
    """Leave the flow for ``target``: another flow's start, or the end of the bot's part."""
    if target == Target.WELCOME.value:
        return _to_welcome(state), "menu"
    if target.startswith(FLOW_TARGET) or target in _SYSTEM_FLOWS:
        key = _SYSTEM_FLOWS.get(target) or target[len(FLOW_TARGET):]
        flow = catalog.flow(key)
        if flow is None:
            return _to_welcome(state), "menu"
        data = {k: v for k, v in state.data.items() if not k.startswith("_")}
        return replace(state, flow=key, step=flow.start, data=data), flow.start
    if target == _HAND_OVER_WAIT:
        if not state.handed_over:
            call = ActionCall("hand_over", {"summary": _DEFAULT_SUMMARY}, state.flow,
                              _HAND_OVER_WAIT)
            return Turn(replace(state, step=_HAND_OVER_WAIT), tuple(messages), call,
                        tuple(events))
        staff = replace(state, status=move(state.status, "hand_over"), step=_HAND_OVER_WAIT)
        return Turn(staff, tuple(messages), None, tuple(events))
    closed = replace(state, status=move(state.status, "close"), step=Target.CLOSE.value)
    return Turn(closed, tuple(messages), None, (*events, "closed"))


def _reask(state: BotState, catalog: Catalog, ctx: BotContext, messages: list[BotMessage],
           events: list[str]) -> Turn:
    """Show the question of the step the state waits at (the Welcome menu if it is gone)."""
    flow, step = _current(state, catalog)
    if flow is None or step is None or step.kind is not StepKind.ASK:
        state = _to_welcome(state)
        flow, step = _current(state, catalog)
        assert flow is not None and step is not None
    labels, _ = _choices(state, catalog, flow, step)
    messages.append(BotMessage(render(catalog.text(flow, step), _values(state, ctx)), labels))
    return Turn(state, tuple(messages), None, tuple(events))


def _pause(state: BotState, flow: FlowDefinition, step: Step, ctx: BotContext,
           messages: list[BotMessage], events: list[str]) -> Turn:
    values = _values(state, ctx)
    params = {k: render(v, values) if isinstance(v, str) else v for k, v in step.params.items()}
    call = ActionCall(step.action, params, flow.key, step.id)
    return Turn(replace(state, step=step.id), tuple(messages), call, tuple(events))


def _to_welcome(state: BotState) -> BotState:
    data = {k: v for k, v in state.data.items() if not k.startswith("_")}
    return replace(state, flow=WELCOME, step="menu", data=data)


def _current(state: BotState, catalog: Catalog) -> tuple[FlowDefinition | None, Step | None]:
    flow = catalog.flow(state.flow)
    if flow is None:
        return None, None
    return flow, flow.steps.get(state.step)


def _choices(state: BotState, catalog: Catalog, flow: FlowDefinition, step: Step
             ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The labels shown and the values saved for the step's choices."""
    if step.expect is Expect.SLOT:
        slots = [s for s in state.data.get("_slots", []) if isinstance(s, dict)]
        return (tuple(str(s.get("label", "")) for s in slots),
                tuple(str(s.get("id", "")) for s in slots))
    return catalog.labels(flow, step), tuple(o.saved for o in step.options)


def _save_name(step: Step) -> str:
    if step.expect is Expect.SLOT:
        return "_slot_id"
    return step.save


def _still_there_labels(catalog: Catalog) -> tuple[str, ...]:
    return (catalog.session_text("session.still_there.options.1"),
            catalog.session_text("session.still_there.options.2"))


def _values(state: BotState, ctx: BotContext) -> dict[str, Any]:
    values: dict[str, Any] = ctx.values()
    values.update({k: v for k, v in state.data.items() if not k.startswith("_")})
    return values
