"""Who is offered first and how many at once (WL-05, WL-26), and the second pass (WL-32)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.org_settings import WaitlistSettings
from domain.waitlist import Ineligible, OfferState, plan_offers, second_pass_at, second_pass_due
from tests.domain.waitlist.builders import NOW, candidate, offer, slot

OLD = candidate("E-old", added_at=NOW - timedelta(days=20))
MID = candidate("E-mid", added_at=NOW - timedelta(days=10))
NEW = candidate("E-new", added_at=NOW - timedelta(days=1))
ALL = [MID, NEW, OLD]


def ids(plan_entries: tuple[object, ...]) -> list[str]:
    return [c.entry.id for c in plan_entries]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (WaitlistSettings(), ["E-old", "E-mid", "E-new"]),  # WL-05 + WL-26 defaults
        (WaitlistSettings(priority="most_recent"), ["E-new", "E-mid", "E-old"]),
        (WaitlistSettings(offer_mode="one_at_a_time"), ["E-old"]),
        (WaitlistSettings(offer_mode="one_at_a_time", priority="most_recent"), ["E-new"]),
    ],
)
def test_order_and_mode(settings: WaitlistSettings, expected: list[str]) -> None:
    plan = plan_offers(slot(), ALL, [], settings=settings, now=NOW)
    assert ids(plan.offer_to) == expected


def test_one_at_a_time_waits_for_the_outstanding_answer_then_asks_the_next() -> None:
    settings = WaitlistSettings(offer_mode="one_at_a_time")
    waiting = [offer(entry_id="E-old")]
    assert plan_offers(slot(), ALL, waiting, settings=settings, now=NOW).offer_to == ()
    declined = [offer(entry_id="E-old", state=OfferState.DECLINED)]
    assert ids(plan_offers(slot(), ALL, declined, settings=settings, now=NOW).offer_to) == [
        "E-mid"]


def test_simultaneous_offers_reach_new_entries_but_not_twice() -> None:
    made = [offer(entry_id="E-old"), offer("O2", entry_id="E-mid")]
    plan = plan_offers(slot(), ALL, made, settings=WaitlistSettings(), now=NOW)
    assert ids(plan.offer_to) == ["E-new"]
    assert plan.skipped == {"E-old": Ineligible.ALREADY_OFFERED,
                            "E-mid": Ineligible.ALREADY_OFFERED}


@pytest.mark.parametrize("state", [OfferState.ACCEPTED, OfferState.BOOKED])
def test_nothing_more_once_someone_accepted(state: OfferState) -> None:
    plan = plan_offers(slot(), ALL, [offer(state=state)], settings=WaitlistSettings(), now=NOW)
    assert plan.offer_to == ()


def test_a_patient_with_two_entries_is_offered_once() -> None:
    twin = candidate("E-twin", patient_id="P-E-old", added_at=NOW - timedelta(days=2))
    plan = plan_offers(slot(), [OLD, twin], [], settings=WaitlistSettings(), now=NOW)
    assert ids(plan.offer_to) == ["E-old"]


def test_second_pass_reoffers_to_those_who_did_not_answer_only() -> None:
    settings = WaitlistSettings(second_pass=True)
    first = [
        offer("O1", entry_id="E-old", state=OfferState.EXPIRED),
        offer("O2", entry_id="E-mid", state=OfferState.DECLINED),
        offer("O3", entry_id="E-new", state=OfferState.TAKEN),
    ]
    assert plan_offers(slot(), ALL, first, settings=settings, now=NOW).offer_to == ()
    second = plan_offers(slot(), ALL, first, settings=settings, now=NOW, pass_number=2)
    assert ids(second.offer_to) == ["E-old"]


@pytest.mark.parametrize(
    ("settings", "minutes_before", "offers", "exhausted", "expected"),
    [
        (WaitlistSettings(), 100, [offer(state=OfferState.EXPIRED)], True, False),  # off
        (WaitlistSettings(second_pass=True), 180, [offer(state=OfferState.EXPIRED)], True, True),
        (WaitlistSettings(second_pass=True), 181, [offer(state=OfferState.EXPIRED)], True, False),
        (WaitlistSettings(second_pass=True, second_pass_minutes_before=240), 200,
         [offer(state=OfferState.EXPIRED)], True, True),
        (WaitlistSettings(second_pass=True), 100, [offer(state=OfferState.EXPIRED)], False,
         False),  # someone is still left to ask in the first pass
        (WaitlistSettings(second_pass=True), 100, [offer()], True, False),  # outstanding
        (WaitlistSettings(second_pass=True), 100, [], True, False),  # nobody was asked
        (WaitlistSettings(second_pass=True), 100,
         [offer(state=OfferState.EXPIRED), offer("O2", pass_number=2,
                                                  state=OfferState.EXPIRED)], True, False),
        (WaitlistSettings(second_pass=True), 0, [offer(state=OfferState.EXPIRED)], True, False),
    ],
)
def test_second_pass_timing(settings: WaitlistSettings, minutes_before: int,
                            offers: list[object], exhausted: bool, expected: bool) -> None:
    opening = slot()
    now = opening.start - timedelta(minutes=minutes_before)
    assert second_pass_at(opening, settings) == opening.start - timedelta(
        minutes=settings.second_pass_minutes_before)
    assert second_pass_due(opening, offers, settings=settings, now=now,  # type: ignore[arg-type]
                           first_pass_exhausted=exhausted) is expected
