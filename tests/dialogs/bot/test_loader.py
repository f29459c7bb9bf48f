"""Flow definitions: the shipped ones load; invalid ones are refused with every problem named by
its line."""

from __future__ import annotations

import json
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs.bot.definition import Expect, StepKind
from dialogs.bot.loader import check_flow, load_flow
from dialogs.bot.problems import FlowDefinitionError
from dialogs.bot.shipped import example_sources, system_flows

NURSE = textwrap.dedent("""\
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
        save: question
        next: hand_over
      hand_over:
        action: hand_over
        with: {summary: "Question: {question}"}
        on: {done: thanks}
      thanks:
        say: Thank you, {first_name}.
        next: "@wait_for_staff"
    """)


def problems_of(source: str) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in check_flow(source)]


def test_the_shipped_flows_load() -> None:
    flows = [load_flow(source) for source in example_sources().values()]
    assert [f.key for f in flows] == [
        "ask_a_nurse", "book_appointment", "prescription_refill", "symptom_screening",
    ]
    assert set(system_flows()) == {"end", "feedback", "connect_with_staff"}


def test_a_definition_becomes_steps_with_their_lines() -> None:
    flow = load_flow(NURSE)
    assert flow.key == "ask_a_nurse" and flow.start == "name"
    assert list(flow.steps) == ["name", "question", "hand_over", "thanks"]
    assert flow.steps["name"].expect is Expect.FULL_NAME
    assert flow.steps["hand_over"].kind is StepKind.ACTION
    assert flow.steps["hand_over"].params == {"summary": "Question: {question}"}
    assert flow.steps["thanks"].line == 17
    assert flow.states == ("name", "question", "hand_over", "thanks", "@wait_for_staff")


def test_json_works_as_well_as_yaml() -> None:
    as_json = json.dumps({
        "flow": "two_steps", "title": "Two steps", "start": "a",
        "steps": {"a": {"ask": "Name?", "expect": "full_name", "next": "b"},
                  "b": {"say": "Bye {first_name}", "next": "@end"}},
    }, indent=2)
    assert list(load_flow(as_json).steps) == ["a", "b"]


@pytest.mark.parametrize(("change", "line", "words"), [
    # (what is changed in the valid definition, the line of the problem, words of the message)
    (("next: question", "next: questoin"), 8, "no step 'questoin'"),
    (("expect: full_name", "expect: fullname"), 7, "unknown answer kind 'fullname'"),
    (("action: hand_over", "action: handover"), 14, "unknown action 'handover'"),
    (("on: {done: thanks}", "on: {finished: thanks}"), 16, "no outcome 'finished'"),
    (("Thank you, {first_name}.", "Thank you, {nickname}."), 18, "unknown placeholder {nickname}"),
    (('next: "@wait_for_staff"', 'next: "@nowhere"'), 19, "unknown system target '@nowhere'"),
    (("start: name", "start: nom"), 3, "there is no step 'nom'"),
    (("title: Ask a nurse", "titel: Ask a nurse"), 2, "unknown key 'titel'"),
    (("  thanks:\n", "  thanks:\n    retry: x\n"), 18, "'retry' belongs to ask steps"),
])
def test_mistakes_are_named_by_line(change: tuple[str, str], line: int, words: str) -> None:
    source = NURSE.replace(*change)
    assert source != NURSE
    found = problems_of(source)
    assert any(at == line and words in message for at, message in found), found
    with pytest.raises(FlowDefinitionError) as error:
        load_flow(source)
    assert f"line {found[0][0]}" in str(error.value)
    assert error.value.to_dict()["problems"][0]["line"] == found[0][0]


def test_yaml_syntax_errors_name_the_line() -> None:
    broken = NURSE.replace("on: {done: thanks}", "on: {done: thanks")
    ((line, message),) = problems_of(broken)
    assert line == 17 and "not valid YAML or JSON" in message


def test_a_repeated_step_is_reported_where_it_repeats() -> None:
    source = NURSE + "  name:\n    say: again\n    next: name\n"
    assert (20, "'name' is given twice") in problems_of(source)


def test_unreachable_steps_and_silent_loops_are_refused() -> None:
    source = NURSE + (
        "  orphan:\n    say: Nobody comes here\n    next: spin\n"
        "  spin:\n    say: Round and round\n    next: orphan\n"
    )
    found = problems_of(source)
    assert (20, "step 'orphan' can never be reached from the start") in found
    assert any(line == 20 and "loop without asking" in m for line, m in found)


def test_actions_need_the_answers_and_outcomes_they_use() -> None:
    source = textwrap.dedent("""\
        flow: booking
        title: Booking
        start: who
        steps:
          who:
            action: identify
            on: {found: pick}
          pick:
            ask: Which time?
            expect: slot
            next: "@end"
        """)
    found = problems_of(source)
    assert any(line == 7 and "'not_found' outcome of identify" in m for line, m in found)
    assert any(line == 8 and "needs a find_slots action" in m for line, m in found)
    complete = source.replace("{found: pick}", "{found: pick, not_found: pick}")
    found = problems_of(complete)
    assert any(line == 5 and "reads the answer 'full_name'" in m for line, m in found)
    assert any(line == 5 and "reads the answer 'date_of_birth'" in m for line, m in found)


def test_an_option_label_with_a_comma_gets_a_hint() -> None:
    source = NURSE.replace(
        "    ask: What would you like to ask?\n    save: question\n    next: hand_over\n",
        "    ask: Ready?\n    options:\n      - {label: Yes, go on, next: hand_over}\n"
        "      - {label: No, next: hand_over}\n",
    )
    assert source != NURSE
    line, message = problems_of(source)[0]
    assert line == 12 and "'go on'" in message and "in quotes" in message


@pytest.mark.parametrize("source", ["", "just text", "- a\n- b", "flow: [", "{}"])
def test_not_a_flow_at_all(source: str) -> None:
    with pytest.raises(FlowDefinitionError) as error:
        load_flow(source)
    assert error.value.problems and all(p.line >= 1 for p in error.value.problems)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_either_a_flow_or_problems_with_lines(source: str) -> None:
    try:
        load_flow(source)
    except FlowDefinitionError as error:
        lines = len(source.splitlines()) + 2  # YAML breaks lines at \r, \x85, \u2028 too
        assert all(1 <= p.line <= lines for p in error.problems)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_mutating_one_line_of_a_valid_flow_never_breaks_the_loader(data: st.DataObject) -> None:
    lines = NURSE.splitlines()
    index = data.draw(st.integers(0, len(lines) - 1))
    lines[index] = data.draw(st.text(alphabet=" :-{}[]@\"'abcxyz_01", max_size=30))
    source = "\n".join(lines)
    for problem in check_flow(source):
        assert 1 <= problem.line <= len(lines) + 1
