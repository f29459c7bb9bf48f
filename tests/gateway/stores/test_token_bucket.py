"""Properties of the token-bucket arithmetic (shared by the in-process limiter and the Lua one)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gateway.stores._token_bucket import Bucket, take

rates = st.floats(min_value=0.1, max_value=1000, allow_nan=False)
bursts = st.integers(min_value=1, max_value=50)
# Gaps between successive calls, in seconds.
gaps = st.lists(st.floats(min_value=0, max_value=2, allow_nan=False), min_size=1, max_size=200)


@given(rate=rates, burst=bursts, gaps=gaps)
def test_try_never_grants_more_than_burst_plus_refill(
    rate: float, burst: int, gaps: list[float]
) -> None:
    state: Bucket | None = None
    now = 0.0
    granted = 0
    for gap in gaps:
        now += gap
        taken = take(state, now, rate=rate, burst=burst, reserve=False)
        if taken is not None:
            state, wait = taken
            assert wait == 0.0
            granted += 1
    assert granted <= burst + rate * now + 1e-6


@given(rate=rates, burst=bursts, gaps=gaps)
def test_reservations_are_spaced_at_the_rate(rate: float, burst: int, gaps: list[float]) -> None:
    """Permits used at now + wait never exceed burst + rate * t in any window from the start."""
    state: Bucket | None = None
    now = 0.0
    used_at: list[float] = []
    for gap in gaps:
        now += gap
        taken = take(state, now, rate=rate, burst=burst, reserve=True)
        assert taken is not None
        state, wait = taken
        assert wait >= 0.0
        used_at.append(now + wait)
    used_at.sort()
    for count, when in enumerate(used_at, start=1):
        assert count <= burst + rate * when + 1e-6


@given(rate=rates, burst=bursts)
def test_empty_bucket_waits_exactly_one_token(rate: float, burst: int) -> None:
    state: Bucket | None = None
    for _ in range(burst):
        taken = take(state, 0.0, rate=rate, burst=burst, reserve=True)
        assert taken is not None and taken[1] == 0.0
        state = taken[0]
    assert take(state, 0.0, rate=rate, burst=burst, reserve=False) is None
    taken = take(state, 0.0, rate=rate, burst=burst, reserve=True)
    assert taken is not None
    assert abs(taken[1] - 1 / rate) <= 1e-9 / rate
    # Once that wait is over the bucket is exactly empty again.
    assert take(taken[0], taken[1], rate=rate, burst=burst, reserve=False) is None


@given(rate=rates, burst=bursts, idle=st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_idle_bucket_never_holds_more_than_burst(rate: float, burst: int, idle: float) -> None:
    state = Bucket(tokens=0.0, updated_at=0.0)
    grants = 0
    while (taken := take(state, idle, rate=rate, burst=burst, reserve=False)) is not None:
        state = taken[0]
        grants += 1
    assert grants == min(burst, int(rate * idle + 1e-9))
