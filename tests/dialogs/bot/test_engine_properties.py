"""Every flow, over arbitrary sequences of events (answers good and bad, button presses, action
outcomes, inactivity and timeouts), stays in a declared state and is never stuck: after each
turn the bot waits at a question of its flow, has handed over to staff, or has closed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.bot.catalog import Catalog
from dialogs.bot.definition import ACTIONS, Expect, StepKind
from dialogs.bot.engine import (
    enter_flow,
    handle_idle,
    handle_result,
    handle_text,
    handle_timeout,
    new_state,
)
from dialogs.bot.session import SessionStatus
from dialogs.bot.state import ActionResult, BotState, Turn
from tests.dialogs.bot.driver import CTX, SLOTS, examples_catalog

CATALOG = examples_catalog()
MAX_ACTIONS_PER_TURN = 40

GOOD_ANSWERS = {
    Expect.FULL_NAME: "Jordan Avery", Expect.DATE_OF_BIRTH: "03/14/1985",
    Expect.PHONE: "212-555-0123", Expect.EMAIL: "jo@example.com",
    Expect.CONTACT: "jo@example.com", Expect.CODE: "123456", Expect.TEXT: "My question",
    Expect.OPTIONAL_TEXT: "skip",
}
GARBAGE = st.sampled_from(["", "?", "hello", "99", "<script>alert(1)</script>", "🙂", "no"])
# Sensible answers are the most common event, so that sequences reach deep into the flows.
EVENTS = st.one_of(
    st.tuples(st.just("answer"), st.integers(0, 9)),
    st.tuples(st.just("answer"), st.integers(0, 9)),
    st.tuples(st.just("answer"), st.integers(0, 9)),
    st.tuples(st.just("garbage"), GARBAGE),
    st.tuples(st.just("free"), st.text(max_size=30)),
    st.tuples(st.just("idle"), st.none()),
    st.tuples(st.just("timeout"), st.none()),
)


def good_text(state: BotState, catalog: Catalog, pick: int) -> str:
    """A plausible answer to the question the state waits at (an option's label or number)."""
    flow = catalog.flow(state.flow)
    step = flow.steps.get(state.step) if flow else None
    if step is None or step.kind is not StepKind.ASK:
        return "hello"
    if step.options:
        labels = catalog.labels(flow, step)  # type: ignore[arg-type]
        return labels[pick % len(labels)] if pick % 2 else str(pick % len(labels) + 1)
    if step.expect is Expect.SLOT:
        return str(pick % 2 + 1)
    return GOOD_ANSWERS.get(step.expect or Expect.TEXT, "ok")


def check(state: BotState, catalog: Catalog) -> None:
    """The invariants every completed turn keeps."""
    assert state.status in SessionStatus
    flow = catalog.flow(state.flow)
    assert flow is not None, state.flow
    assert state.step in flow.states, (state.flow, state.step)
    if state.status in (SessionStatus.BOT, SessionStatus.CHECKING):
        step = flow.steps.get(state.step)
        assert step is not None and step.kind is StepKind.ASK, (state.flow, state.step)
    if state.status is SessionStatus.STAFF:
        assert state.handed_over


def finish(turn: Turn, catalog: Catalog, data: st.DataObject) -> BotState:
    for _ in range(MAX_ACTIONS_PER_TURN):
        call = turn.action
        if call is None:
            return turn.state
        flow = catalog.flow(call.flow)
        assert flow is not None
        if call.step != "@wait_for_staff":
            assert flow.steps[call.step].kind is StepKind.ACTION
        outcomes = ACTIONS[call.name].outcomes
        # The first outcome (the successful one) half of the time, any outcome otherwise.
        outcome = data.draw(st.one_of(st.just(outcomes[0]), st.sampled_from(outcomes)),
                            label=call.name)
        values = {"_slots": SLOTS} if call.name == "find_slots" and outcome == "found" else {}
        turn = handle_result(turn.state, ActionResult(outcome, values, "p1"), catalog, CTX)
    raise AssertionError("a turn ran too many actions: the flow is stuck in a loop")


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(CATALOG.keys), st.lists(EVENTS, max_size=30), st.data())
def test_every_flow_stays_in_a_declared_state(flow_key: str, events: list[tuple[str, object]],
                                              data: st.DataObject) -> None:
    state = finish(enter_flow(new_state(), flow_key, CATALOG, CTX), CATALOG, data)
    check(state, CATALOG)
    for kind, value in events:
        if kind == "answer":
            turn = handle_text(state, good_text(state, CATALOG, int(value)), CATALOG, CTX)  # type: ignore[call-overload]
        elif kind in ("garbage", "free"):
            turn = handle_text(state, str(value), CATALOG, CTX)
        elif kind == "idle":
            turn = handle_idle(state, CATALOG, CTX)
        else:
            turn = handle_timeout(state, CATALOG, CTX)
        state = finish(turn, CATALOG, data)
        check(state, CATALOG)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 9), max_size=40), st.data())
def test_good_answers_always_lead_somewhere(picks: list[int], data: st.DataObject) -> None:
    """A visitor who always answers sensibly never hears "please try again"."""
    state = new_state()
    for pick in picks:
        text = good_text(state, CATALOG, pick)
        waiting = state.status in (SessionStatus.BOT, SessionStatus.CHECKING)
        turn = handle_text(state, text, CATALOG, CTX)
        before = (state.flow, state.step)
        state = finish(turn, CATALOG, data)
        check(state, CATALOG)
        if waiting and state.status is SessionStatus.BOT and turn.action is None:
            repeated = (state.flow, state.step) == before and turn.messages
            assert not (repeated and turn.messages[0].text.startswith("Please")), (before, text)
