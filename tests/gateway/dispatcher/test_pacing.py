"""Per sending number pacing: a number never exceeds its messages per second."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.model import Channel
from domain.org_settings import MessagingSettings
from gateway.dispatcher.pacing import Pacer, PaceRequest, pacing_bucket
from gateway.stores.inprocess import InProcessRateLimiter
from tests.gateway.dispatcher.builders import CLINIC_NUMBER, T0


class FrozenTime:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def requests(count: int, rate: float, burst: int = 1, number: str = CLINIC_NUMBER,
             prefix: str = "r") -> list[PaceRequest]:
    settings = MessagingSettings(sms_rate_per_second=rate, sms_rate_burst=burst)
    bucket = pacing_bucket(Channel.SMS, number)
    return [PaceRequest(f"{prefix}{i}", bucket, settings) for i in range(count)]


async def test_a_number_gets_what_it_can_send_within_the_hold_and_the_rest_waits() -> None:
    pacer = Pacer(InProcessRateLimiter(clock=FrozenTime()), hold=1.0)
    plan = await pacer.plan(requests(30, rate=10), T0)
    waits = [plan.waits[f"r{i}"] for i in range(11)]
    assert waits == [i / 10 for i in range(11)]
    assert [row_id for row_id, _, _ in plan.later] == [f"r{i}" for i in range(11, 30)]
    dues = [due for _, due, _ in plan.later]
    assert dues[0] == T0 + timedelta(seconds=1.1)
    assert all(b - a == timedelta(seconds=0.1) for a, b in itertools.pairwise(dues))
    assert plan.later[0][2] == f"paced: {CLINIC_NUMBER} sends at most 10 messages per second"


async def test_email_and_unknown_senders_are_not_paced() -> None:
    pacer = Pacer(InProcessRateLimiter(clock=FrozenTime()), hold=1.0)
    assert pacing_bucket(Channel.EMAIL, "care@example.org") is None
    assert pacing_bucket(Channel.SMS, None) is None
    plan = await pacer.plan([PaceRequest("e", None, MessagingSettings())] * 5, T0)
    assert plan.waits == {"e": 0.0} and plan.later == []


async def test_a_number_busy_elsewhere_gives_the_whole_batch_back() -> None:
    limiter = InProcessRateLimiter(clock=FrozenTime())
    for _ in range(50):  # another worker reserved the next five seconds
        await limiter.acquire(f"send:tel:{CLINIC_NUMBER}", rate=10, burst=1)
    plan = await Pacer(limiter, hold=1.0).plan(requests(5, rate=10), T0)
    assert plan.waits == {}
    assert plan.later[0][1] >= T0 + timedelta(seconds=4.9)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=3),
    rate=st.sampled_from([0.5, 1.0, 3.0, 10.0, 40.0]),
    burst=st.integers(min_value=1, max_value=5),
    hold=st.sampled_from([0.0, 0.5, 2.0, 10.0]),
)
async def test_no_number_ever_goes_faster_than_its_rate(
    counts: list[int], rate: float, burst: int, hold: float
) -> None:
    pacer = Pacer(InProcessRateLimiter(clock=FrozenTime()), hold=hold)
    batch = [r for n, count in enumerate(counts)
             for r in requests(count, rate, burst, number=f"+1312555{n:04d}", prefix=f"n{n}-")]
    plan = await pacer.plan(batch, T0)
    assert len(plan.waits) + len(plan.later) == len(batch)
    for n, count in enumerate(counts):
        ids = [f"n{n}-{i}" for i in range(count)]
        waits = sorted(plan.waits[i] for i in ids if i in plan.waits)
        assert all(w <= hold + 1e-9 for w in waits)
        # any window of one second holds at most rate + burst sends
        for start in waits:
            inside = [w for w in waits if start <= w < start + 1]
            assert len(inside) <= rate + burst
