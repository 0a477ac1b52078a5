"""Read retries with full jitter (reads only), the token-bucket throttle and the kill
switch."""

from __future__ import annotations

import random
import threading
from datetime import timedelta

import pytest

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import (
    NotFoundError,
    OrderStateUnknownError,
    ValidationError,
    VenueUnavailableError,
)
from tradegraph.execution.retry import READ_CALLS, ReadRetrier, RetryPolicy
from tradegraph.execution.throttle import KillSwitch, OrderThrottle, TokenBucket
from tradegraph.testing.risk import T0


class Flaky:
    """Fails ``failures`` times with ``error``, then answers."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "ok"


def test_reads_are_retried_with_full_jitter_from_the_seeded_rng() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(attempts=5, base_delay=0.1, max_delay=0.3)
    retrier = ReadRetrier(policy, sleep=sleeps.append, rng=random.Random(42))
    flaky = Flaky(4, OrderStateUnknownError("timeout"))
    assert retrier.read("query_order", flaky) == "ok"
    assert flaky.calls == 5
    expected_rng = random.Random(42)
    caps = [0.1, 0.2, 0.3, 0.3]  # base * 2**n, capped at max_delay
    assert sleeps == [expected_rng.uniform(0.0, cap) for cap in caps]
    assert all(0.0 <= s <= cap for s, cap in zip(sleeps, caps, strict=True))
    assert retrier.retries == 4


def test_gives_up_after_the_attempts_and_raises_the_last_error() -> None:
    sleeps: list[float] = []
    retrier = ReadRetrier(RetryPolicy(attempts=3), sleep=sleeps.append, rng=random.Random(1))
    flaky = Flaky(10, VenueUnavailableError("down"))
    with pytest.raises(VenueUnavailableError, match="down"):
        retrier.read("fills", flaky)
    assert flaky.calls == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("kind", ["submit", "cancel", "modify", "anything"])
def test_writes_are_never_retried(kind: str) -> None:
    retrier = ReadRetrier(sleep=lambda _s: None)
    flaky = Flaky(1, OrderStateUnknownError("timeout"))
    with pytest.raises(ValidationError, match="only reads"):
        retrier.read(kind, flaky)
    assert flaky.calls == 0
    assert {"query_order", "open_orders", "fills", "positions", "balances"} == READ_CALLS


def test_answers_that_are_errors_are_not_retried() -> None:
    retrier = ReadRetrier(sleep=lambda _s: None)
    flaky = Flaky(1, NotFoundError("no such order"))
    with pytest.raises(NotFoundError):
        retrier.read("query_order", flaky)
    assert flaky.calls == 1


def test_a_veto_stops_retrying() -> None:
    retrier = ReadRetrier(sleep=lambda _s: None, retryable=lambda _e: False)
    flaky = Flaky(1, VenueUnavailableError("circuit open"))
    with pytest.raises(VenueUnavailableError):
        retrier.read("positions", flaky)
    assert flaky.calls == 1


def test_retry_policy_is_validated() -> None:
    with pytest.raises(ValidationError, match="attempts"):
        RetryPolicy(attempts=0)
    with pytest.raises(ValidationError, match="base_delay"):
        RetryPolicy(base_delay=2.0, max_delay=1.0)


def test_token_bucket_refills_with_clock_time() -> None:
    clock = TestClock(T0)
    bucket = TokenBucket(rate=10.0, capacity=5, clock=clock)
    assert [bucket.try_take() for _ in range(6)] == [True] * 5 + [False]
    clock.advance(timedelta(milliseconds=200))  # 2 tokens
    assert bucket.try_take(3) is False  # all or nothing
    assert bucket.try_take(2) is True
    assert bucket.try_take() is False
    clock.advance(timedelta(hours=1))
    assert bucket.tokens == 5  # capped at capacity


def test_throttle_is_per_strategy_and_can_be_disabled() -> None:
    clock = TestClock(T0)
    throttle = OrderThrottle(rate=2.0, burst=None, clock=clock)
    assert [throttle.try_acquire("a") for _ in range(3)] == [True, True, False]
    assert throttle.try_acquire("b") is True
    clock.advance(timedelta(seconds=1))
    assert throttle.try_acquire("a", 2) is True
    unlimited = OrderThrottle(rate=None, burst=None, clock=clock)
    assert all(unlimited.try_acquire("a") for _ in range(10_000))


def test_kill_switch_keeps_the_first_reason_until_reset() -> None:
    switch = KillSwitch()
    assert not switch.tripped
    first = switch.trip("drawdown", T0)
    second = switch.trip("later", T0 + timedelta(seconds=1))
    assert first == second
    assert (switch.status.reason, switch.status.tripped_at) == ("drawdown", T0)
    assert not switch.reset().tripped
    assert not switch.tripped
    with pytest.raises(ValidationError, match="reason"):
        switch.trip("  ", T0)


def test_kill_switch_is_thread_safe() -> None:
    switch = KillSwitch()
    reasons = [f"r{i}" for i in range(16)]
    threads = [threading.Thread(target=switch.trip, args=(r, T0)) for r in reasons]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert switch.tripped
    assert switch.status.reason in reasons
