"""Every flow over every sequence of replies and timeouts: it stays in a declared state, never
raises, never swallows a patient's message, and a timeout always ends a prompt's flow."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from dialogs.context import DialogContext
from dialogs.effects import (
    CancelAppointment,
    ClosePrompt,
    ConfirmAppointment,
    Effect,
    LeaveWaitlist,
    MarkArrived,
    OpenPrompt,
    OptIn,
    OptOut,
    Reply,
    RouteToHub,
)
from dialogs.flows import arrival, compliance, leave_waitlist, reminder, which_message
from dialogs.flows.base import FlowSpec, PromptFlow, Reading, Redirect, Trigger
from dialogs.manager import DialogManager
from domain.model import AppointmentStatus, ConfirmationState, Prompt
from tests.dialogs.builders import (
    CLINIC_NUMBER,
    NOW,
    OTHER_CLINIC_NUMBER,
    appointment,
    context,
    org,
    prompt,
    simulate,
)

PROPERTY = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
_ACTED = (Reply, RouteToHub, ConfirmAppointment, CancelAppointment, MarkArrived, OptOut, OptIn,
          LeaveWaitlist, OpenPrompt)

readings = st.builds(
    Reading,
    st.sampled_from(list(Trigger)),
    st.one_of(st.none(), st.integers(-2, 12)),
    st.sampled_from([None, "en", "es", "vi"]),
)
reply_options = st.fixed_dictionaries({
    "mode": st.sampled_from(["confirm_cancel", "confirm_only", "none"]),
    "strict_yes_no": st.booleans(),
    "confirm_after_cancel": st.booleans(),
    "cancel_after_confirm": st.booleans(),
    "cancel_after_start": st.booleans(),
    "confirm_past": st.booleans(),
    "apply_to_whole_day": st.booleans(),
    "whole_day_includes_hidden": st.booleans(),
    "no_show_policy": st.sampled_from(["always", "within_window", "never"]),
    "ask_which_message": st.booleans(),
    "bare_cancel": st.sampled_from(["opt_out_and_flag", "opt_out"]),
})
statuses = st.sampled_from(list(AppointmentStatus))


@st.composite
def contexts(draw: Any) -> DialogContext:
    """A patient with one to three appointments around a random time, random options."""
    start = NOW + timedelta(minutes=draw(st.integers(-3 * 24 * 60, 3 * 24 * 60)))
    first = appointment("APT1", start=start, status=draw(statuses),
                        confirmation=draw(st.sampled_from(list(ConfirmationState))))
    others = [
        appointment(f"APT{n}", start=start + timedelta(hours=n), status=draw(statuses),
                    type_id=draw(st.sampled_from(["TYPE1", "TYPE2", None])))
        for n in range(2, 2 + draw(st.integers(0, 2)))
    ]
    opted_out_from = tuple(draw(st.lists(st.sampled_from([CLINIC_NUMBER, OTHER_CLINIC_NUMBER]),
                                         max_size=2, unique=True)))
    return context(
        "",
        appointments=(first, *others),
        organization=org(**draw(reply_options)),
        now=NOW,
        reschedule_flow=draw(st.booleans()),
        opted_out_from=opted_out_from,
        opted_out_here=CLINIC_NUMBER in opted_out_from,
    )


def _check_step(spec: FlowSpec[Any], state: Any, reading: Reading,
                effects: tuple[Any, ...]) -> None:
    assert isinstance(state, spec.states), state
    assert state in spec.waiting | spec.terminal
    if reading.trigger is not Trigger.TIMEOUT:
        assert any(isinstance(e, (*_ACTED, Redirect)) for e in effects), (
            f"{spec.name}: {reading} in {state} did nothing")
    else:
        assert not any(isinstance(e, Reply) for e in effects), "a timeout never texts"


def _run_prompt_flow(flow: PromptFlow, ctx: DialogContext, start: Prompt,
                     sequence: list[Reading]) -> None:
    spec = flow.spec
    current: Prompt | None = start
    for reading in [*sequence, Reading(Trigger.TIMEOUT)]:
        assert current is not None
        step = flow.step(current, reading, ctx)
        _check_step(spec, step.state, reading, step.effects)
        effects: tuple[Effect, ...] = tuple(e for e in step.effects if not isinstance(e, Redirect))
        if step.state in spec.terminal:
            assert ClosePrompt(current.id, step.state.value) in effects
            return
        assert not any(isinstance(e, ClosePrompt) and e.prompt_id == current.id
                       for e in effects)
        ctx = replace(simulate(ctx, effects), prompts=ctx.prompts)
        current = replace(current, state=step.state.value)
    raise AssertionError(f"{spec.name}: a timeout left the prompt open")


@PROPERTY
@given(contexts(), st.sampled_from(list(reminder.ReminderState)),
       st.lists(readings, max_size=12))
def test_reminder_flow(ctx: DialogContext, state: Any, sequence: list[Reading]) -> None:
    start = prompt(state=state.value)
    if state in reminder.SPEC.terminal:
        start = prompt()
    _run_prompt_flow(reminder.FLOW, replace(ctx, prompts=(start,)), start, sequence)


@PROPERTY
@given(contexts(), st.sampled_from([arrival.ArrivalState.EXPECTED, arrival.ArrivalState.ARRIVED]),
       st.lists(readings, max_size=12), st.integers(-90, 120))
def test_arrival_flow(ctx: DialogContext, state: Any, sequence: list[Reading],
                      minutes_to_start: int) -> None:
    first = replace(ctx.appointments["APT1"], start=NOW + timedelta(minutes=minutes_to_start))
    ctx = replace(ctx, appointments={**ctx.appointments, "APT1": first})
    start = prompt(flow="arrival", state=state.value)
    _run_prompt_flow(arrival.FLOW, replace(ctx, prompts=(start,)), start, sequence)


@PROPERTY
@given(contexts(), st.integers(1, 4), st.lists(readings, max_size=12), readings)
def test_which_message_flow(ctx: DialogContext, count: int, sequence: list[Reading],
                            pending: Reading) -> None:
    candidates = [prompt(f"PR{n}") for n in range(1, count + 1)]
    question = prompt("ASK", flow="which_message", state="asking", appointment_id=None,
                      data={"candidates": [p.id for p in candidates], "attempts": 0,
                            "pending": {"trigger": pending.trigger.value}})
    _run_prompt_flow(which_message.FLOW, replace(ctx, prompts=(question, *candidates)),
                     question, sequence)


@PROPERTY
@given(contexts(), st.lists(st.tuples(readings, st.booleans(), st.booleans()), max_size=15))
def test_compliance_flow(ctx: DialogContext, sequence: list[tuple[Reading, bool, bool]]) -> None:
    for reading, yes, bare in sequence:
        was_out = ctx.opted_out_here
        step = compliance.compliance_step(reading, ctx, yes=yes, bare_cancel=bare)
        assert isinstance(step.state, compliance.ComplianceState)
        confirmations = [e for e in step.effects
                         if isinstance(e, Reply) and e.key == "compliance.opted_out"]
        # exactly one confirmation per opt-out: only a STOP from a subscribed number gets one
        assert len(confirmations) == (1 if reading.trigger is Trigger.STOP and not was_out else 0)
        if reading.trigger is Trigger.HELP:
            assert [e.key for e in step.effects if isinstance(e, Reply)] == ["compliance.help"]
        if was_out and reading.trigger not in (Trigger.STOP, Trigger.START, Trigger.HELP):
            assert step.effects, "a message from an opted-out number is never dropped"
            assert all(not isinstance(e, Reply) or e.key == "compliance.opted_in"
                       for e in step.effects), "opted out: no answer except the opt-in"
        ctx = simulate(ctx, tuple(step.effects))  # type: ignore[arg-type]
        assert (step.state is compliance.ComplianceState.OPTED_OUT) == ctx.opted_out_here


@PROPERTY
@given(contexts(), st.booleans(), st.lists(readings, max_size=6))
def test_leave_waitlist_flow(ctx: DialogContext, known: bool, sequence: list[Reading]) -> None:
    ctx = ctx if known else replace(ctx, patient=None)
    state = leave_waitlist.WaitlistState.LISTED
    for reading in sequence:
        if reading.trigger is Trigger.TIMEOUT:
            continue
        step = leave_waitlist.leave_waitlist_step(reading, ctx, state)
        _check_step(leave_waitlist.SPEC, step.state, reading, step.effects)
        left = [e for e in step.effects if isinstance(e, LeaveWaitlist)]
        assert len(left) <= 1 and (not left or known)
        state = step.state


any_reply = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["C", "2", "1", "Y", "No", "STOP", "stop", "CANCEL", "START", "HELP",
                     "yes", "R", "I'm here", "LEAVEWAITLIST", "What time?", "👍", "❌",
                     "sí", "cancelar", "3", "9", ""]),
)


@PROPERTY
@given(contexts(), st.lists(any_reply, min_size=1, max_size=8), st.integers(0, 3))
def test_manager_over_any_conversation(ctx: DialogContext, texts: list[str],
                                       open_prompts: int) -> None:
    """Whatever the patient sends, whatever is open: no exception, and every message either
    gets an answer, changes something, or reaches staff (a repeated STOP excepted)."""
    manager = DialogManager()
    prompts = [prompt(f"PR{n}", appointment_id=f"APT{n}" if n < 4 else None,
                      created_at=NOW - timedelta(hours=n)) for n in range(1, open_prompts + 1)]
    ctx = replace(ctx, prompts=tuple(prompts))
    for text in texts:
        ctx = replace(ctx, text=text)
        decision = manager.decide(ctx)
        acted = any(isinstance(e, _ACTED) for e in decision.effects)
        repeat_stop = decision.handled_by == "compliance" and ctx.opted_out_here
        assert acted or repeat_stop, (text, decision)
        ctx = simulate(ctx, decision.effects)
    for open_prompt in ctx.prompts:
        assert manager.expire(open_prompt, ctx), "every open prompt can time out"


class Conversation(RuleBasedStateMachine):
    """A whole conversation as a state machine: reminders go out, the patient answers anything,
    time passes, prompts time out. Every open prompt stays in a declared waiting state of its
    flow, and nothing ever raises."""

    def __init__(self) -> None:
        super().__init__()
        self.manager = DialogManager()
        self.ctx = context("", prompts=())
        self.sent = 0

    @initialize(ctx=contexts())
    def start(self, ctx: DialogContext) -> None:
        self.ctx = replace(ctx, prompts=())

    @rule(appointment_id=st.sampled_from(["APT1", "APT2", "APT3"]))
    def send_reminder(self, appointment_id: str) -> None:
        if appointment_id not in self.ctx.appointments:
            return
        self.sent += 1
        new = prompt(f"REM{self.sent}", appointment_id=appointment_id,
                     created_at=self.ctx.now + timedelta(microseconds=self.sent))
        self.ctx = replace(self.ctx, prompts=(new, *self.ctx.prompts))

    @rule(text=any_reply)
    def patient_answers(self, text: str) -> None:
        self.ctx = replace(self.ctx, text=text)
        decision = self.manager.decide(self.ctx)
        repeat_stop = decision.handled_by == "compliance" and self.ctx.opted_out_here
        assert repeat_stop or any(isinstance(e, _ACTED) for e in decision.effects)
        self.ctx = simulate(self.ctx, decision.effects)

    @rule(minutes=st.integers(1, 3 * 24 * 60))
    def time_passes(self, minutes: int) -> None:
        self.ctx = replace(self.ctx, now=self.ctx.now + timedelta(minutes=minutes))

    @rule()
    def oldest_prompt_times_out(self) -> None:
        if self.ctx.prompts:
            oldest = self.ctx.prompts[-1]
            effects = self.manager.expire(oldest, self.ctx)
            assert not any(isinstance(e, Reply) for e in effects)
            self.ctx = simulate(self.ctx, effects)
            assert oldest.id not in {p.id for p in self.ctx.prompts}, "a timeout ends it"

    @invariant()
    def prompts_wait_in_declared_states(self) -> None:
        for open_prompt in self.ctx.prompts:
            flow = self.manager.flows[open_prompt.flow]
            assert flow.spec.state_of(open_prompt.state).value == open_prompt.state
            assert flow.spec.state_of(open_prompt.state) in flow.spec.waiting


Conversation.TestCase.settings = settings(max_examples=60, stateful_step_count=25,
                                          deadline=None)
TestConversation = Conversation.TestCase
