"""The offer state machine: the moves it allows and the ones it refuses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import Conflict
from domain.waitlist import OfferEvent, OfferState, advance
from domain.waitlist.offer_lifecycle import allowed_events

St = OfferState
E = OfferEvent


@pytest.mark.parametrize(
    ("state", "event", "expected"),
    [
        (St.OFFERED, E.ACCEPT, St.ACCEPTED),
        (St.ACCEPTED, E.APPROVE, St.BOOKED),
        (St.ACCEPTED, E.REJECT, St.REJECTED),
        (St.ACCEPTED, E.BOOK, St.BOOKED),
        (St.OFFERED, E.BOOK, St.BOOKED),
        (St.ACCEPTED, E.FAIL, St.FAILED),
        (St.OFFERED, E.LOSE, St.TAKEN),
        (St.WITHDRAWN, E.LOSE, St.TAKEN),
        (St.OFFERED, E.DECLINE, St.DECLINED),
        (St.OFFERED, E.EXPIRE, St.EXPIRED),
        (St.OFFERED, E.WITHDRAW, St.WITHDRAWN),
        (St.WITHDRAWN, E.REOPEN, St.OFFERED),
    ],
)
def test_allowed_moves(state: OfferState, event: str, expected: OfferState) -> None:
    assert advance(state, event) is expected


@pytest.mark.parametrize(
    ("state", "event"),
    [
        (St.EXPIRED, E.ACCEPT),  # too late
        (St.BOOKED, E.APPROVE),  # twice
        (St.OFFERED, E.APPROVE),  # staff approve only what a patient accepted
        (St.TAKEN, E.ACCEPT),
        (St.DECLINED, E.ACCEPT),
        (St.REJECTED, E.BOOK),
    ],
)
def test_refused_moves(state: OfferState, event: str) -> None:
    with pytest.raises(Conflict):
        advance(state, event)


EVENTS = [getattr(E, name) for name in dir(E) if name.isupper()]


@given(st.lists(st.sampled_from(EVENTS), max_size=12))
def test_any_sequence_books_at_most_once_and_ends_in_a_known_state(events: list[str]) -> None:
    state = St.OFFERED
    booked = 0
    for event in events:
        if event not in allowed_events(state):
            with pytest.raises(Conflict):
                advance(state, event)
            continue
        state = advance(state, event)
        booked += state is St.BOOKED
    assert state in set(St)
    assert booked <= 1
