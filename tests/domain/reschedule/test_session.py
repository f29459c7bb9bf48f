"""The reschedule session machine (RSC-02 restarts, RSC-03, RSC-05, RSC-07) and switches."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Conflict
from domain.model import ResourceFlags
from domain.org_settings import RescheduleSettings
from domain.reschedule import SessionState, advance_session, reschedule_allowed

S = SessionState


@pytest.mark.parametrize(
    ("state", "event", "options", "expected"),
    [
        (S.REQUESTED, "offer", True, S.OPTIONS_SENT),
        (S.REQUESTED, "offer", False, S.NO_OPTIONS),  # RSC-03
        (S.REQUESTED, "send_link", False, S.LINK_SENT),  # RSC-07
        (S.REQUESTED, "refuse", False, S.UNAVAILABLE),  # RSC-05
        (S.OPTIONS_SENT, "book", False, S.BOOKED),
        (S.OPTIONS_SENT, "fail", False, S.FAILED),
        (S.OPTIONS_SENT, "keep", False, S.KEPT),
        (S.OPTIONS_SENT, "expire", False, S.EXPIRED),
    ],
)
def test_moves(state: SessionState, event: str, options: bool, expected: SessionState) -> None:
    assert advance_session(state, event, has_options=options).state is expected


@pytest.mark.parametrize(("limit", "restarts_done"), [(3, 3), (1, 1), (0, 0)])
def test_a_taken_choice_restarts_up_to_the_limit_then_gives_up(
    limit: int, restarts_done: int
) -> None:
    """RSC-02: at most three restarts by default."""
    state, restarts = S.OPTIONS_SENT, 0
    for _ in range(limit):
        step = advance_session(state, "gone", restarts=restarts, max_restarts=limit,
                               has_options=True)
        state, restarts = step.state, step.restarts
        assert state is S.OPTIONS_SENT
    assert restarts == restarts_done
    assert advance_session(state, "gone", restarts=restarts, max_restarts=limit,
                           has_options=True).state is S.GAVE_UP


def test_a_taken_choice_with_nothing_else_open_gives_up() -> None:
    assert advance_session(S.OPTIONS_SENT, "gone", has_options=False).state is S.GAVE_UP


@pytest.mark.parametrize("state", [s for s in S if s.final])
def test_a_finished_session_accepts_nothing(state: SessionState) -> None:
    with pytest.raises(Conflict):
        advance_session(state, "book")


@given(st.lists(st.tuples(st.sampled_from(["offer", "send_link", "refuse", "book", "fail",
                                           "keep", "expire", "gone"]), st.booleans()),
                max_size=15))
def test_no_sequence_leaves_more_restarts_than_allowed(events: list[tuple[str, bool]]) -> None:
    state, restarts = S.REQUESTED, 0
    for event, options in events:
        try:
            step = advance_session(state, event, restarts=restarts, has_options=options)
        except Conflict:
            continue
        state, restarts = step.state, step.restarts
    assert restarts <= 3


OFF = ResourceFlags(reschedule=False)


@pytest.mark.parametrize(
    ("settings", "resources", "allowed"),
    [
        (RescheduleSettings(), [ResourceFlags(), ResourceFlags(), None], True),
        (RescheduleSettings(enabled=False), [ResourceFlags()], False),
        (RescheduleSettings(), [OFF, ResourceFlags(), ResourceFlags()], False),  # facility
        (RescheduleSettings(), [ResourceFlags(), OFF, ResourceFlags()], False),  # provider
        (RescheduleSettings(), [ResourceFlags(), ResourceFlags(), OFF], False),  # type
    ],
)
def test_practice_resource_switches(settings: RescheduleSettings,
                                    resources: list[ResourceFlags | None], allowed: bool) -> None:
    """RSC-05."""
    assert reschedule_allowed(settings, resources) is allowed
