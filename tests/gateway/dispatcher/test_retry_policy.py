"""The retry policy as a pure function: REM-06 same-number SMS retry, REM-40 omnichannel."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.model import Channel
from gateway.dispatcher.retry import (
    NO_RETRY_CODES,
    NO_SAME_ADDRESS_CODES,
    Attempt,
    Failure,
    RetrySettings,
    plan_retry,
    retry_dedupe_key,
    transient_delay,
)
from tests.gateway.dispatcher.builders import T0

SMS = Attempt(Channel.SMS, "+13125550142")
SMS2 = Attempt(Channel.SMS, "+13125550143")
EMAIL = Attempt(Channel.EMAIL, "avery@example.com")
VOICE = Attempt(Channel.VOICE, "+13125550144")
OPTIONS = [SMS, SMS2, EMAIL, VOICE]
OMNI = RetrySettings(omnichannel=True)


def test_an_undelivered_sms_is_retried_once_on_the_same_number_by_default() -> None:
    plan = plan_retry([SMS], Failure.UNDELIVERED, "30003", OPTIONS, RetrySettings(), T0)
    assert plan is not None and plan.target == SMS
    assert plan.due_at == T0 + timedelta(minutes=10)
    again = plan_retry([SMS, SMS], Failure.UNDELIVERED, "30003", OPTIONS, RetrySettings(), T0)
    assert again is None


def test_without_omnichannel_other_methods_are_not_tried() -> None:
    assert plan_retry([SMS], Failure.REFUSED, "21211", OPTIONS, RetrySettings(), T0) is None
    assert plan_retry([EMAIL], Failure.UNDELIVERED, None, OPTIONS, RetrySettings(), T0) is None


def test_omnichannel_moves_on_after_the_same_number_retry() -> None:
    plan = plan_retry([SMS, SMS], Failure.UNDELIVERED, "30003", OPTIONS, OMNI, T0)
    assert plan is not None and plan.target == SMS2
    chain = [SMS, SMS, SMS2, SMS2]  # the second number had its own same-number retry
    plan = plan_retry(chain, Failure.UNDELIVERED, "30003", OPTIONS, OMNI, T0)
    assert plan is not None and plan.target == EMAIL
    assert plan.due_at == T0 + timedelta(minutes=5)


def test_an_invalid_number_goes_straight_to_the_next_method() -> None:
    plan = plan_retry([SMS], Failure.UNDELIVERED, "30006", [SMS, EMAIL], OMNI, T0)
    assert plan is not None and plan.target == EMAIL


def test_a_carrier_opt_out_is_never_retried() -> None:
    for code in NO_RETRY_CODES:
        assert plan_retry([SMS], Failure.UNDELIVERED, code, OPTIONS, OMNI, T0) is None


def test_transient_backoff_doubles_up_to_the_limit() -> None:
    settings = RetrySettings(transient_limit=5, transient_backoff=timedelta(seconds=30))
    delays = [transient_delay(n, settings) for n in range(1, 6)]
    assert delays == [timedelta(seconds=s) for s in (30, 60, 120, 240)] + [None]
    assert transient_delay(9, RetrySettings(transient_limit=20)) == timedelta(minutes=30)


def test_retry_keys_are_deterministic_and_fit_the_column() -> None:
    assert retry_dedupe_key("rem:1", 1) == retry_dedupe_key("rem:1", 1) != retry_dedupe_key(
        "rem:1", 2
    )
    assert len(retry_dedupe_key("x" * 200, 3)) <= 200


attempts = st.sampled_from(OPTIONS)


@given(
    chain=st.lists(attempts, min_size=1, max_size=6),
    failure=st.sampled_from(list(Failure)),
    code=st.sampled_from([None, "30003", "30008", *NO_SAME_ADDRESS_CODES, *NO_RETRY_CODES]),
    options=st.lists(attempts, max_size=4, unique=True),
    omnichannel=st.booleans(),
    sms_retries=st.integers(min_value=0, max_value=3),
)
def test_a_retry_never_repeats_beyond_the_policy(
    chain: list[Attempt], failure: Failure, code: str | None, options: list[Attempt],
    omnichannel: bool, sms_retries: int,
) -> None:
    settings = RetrySettings(omnichannel=omnichannel, sms_retry_count=sms_retries)
    plan = plan_retry(chain, failure, code, options, settings, T0)
    if plan is None:
        return
    assert plan.due_at >= T0
    assert code not in NO_RETRY_CODES
    if plan.target == chain[-1]:
        # only the same-number SMS retry repeats an address, and only so many times
        assert plan.target.channel is Channel.SMS and failure is Failure.UNDELIVERED
        assert code not in NO_SAME_ADDRESS_CODES
        assert chain.count(plan.target) <= sms_retries
    else:
        assert omnichannel and plan.target in options and plan.target not in chain
