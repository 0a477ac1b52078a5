"""The per-venue circuit breaker: CLOSED → OPEN after consecutive failures, refusals while
open, one HALF_OPEN probe after ``reset_after`` on the TestClock, probe outcome decides."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import (
    NotFoundError,
    OrderStateUnknownError,
    ValidationError,
    VenueUnavailableError,
)
from tradegraph.data.sources.ports import RateLimitedError
from tradegraph.execution.breaker import BreakerConfig, BreakerState, CircuitBreaker
from tradegraph.testing.risk import T0

CONFIG = BreakerConfig(failure_threshold=3, reset_after=timedelta(seconds=30))


def _fail_with(error: Exception) -> None:
    raise error


def _timeout() -> None:
    _fail_with(OrderStateUnknownError("timeout"))


def _down() -> None:
    _fail_with(VenueUnavailableError("connection refused"))


def state(breaker: CircuitBreaker) -> BreakerState:
    return breaker.state


def _open_breaker(breaker: CircuitBreaker) -> None:
    for _ in range(CONFIG.failure_threshold):
        with pytest.raises(OrderStateUnknownError):
            breaker.call(_timeout)


def test_opens_after_threshold_consecutive_failures_and_refuses_without_calling() -> None:
    clock = TestClock(T0)
    breaker = CircuitBreaker("sim", clock, CONFIG)
    with pytest.raises(VenueUnavailableError):
        breaker.call(_down)
    with pytest.raises(OrderStateUnknownError):
        breaker.call(_timeout)
    assert breaker.state is BreakerState.CLOSED
    assert breaker.status.consecutive_failures == 2
    with pytest.raises(OrderStateUnknownError):
        breaker.call(_timeout)
    status = breaker.status
    assert status.state is BreakerState.OPEN
    assert status.times_opened == 1
    assert status.opened_at == T0
    assert status.retry_at == T0 + timedelta(seconds=30)
    assert "OrderStateUnknownError" in status.last_error

    calls: list[int] = []
    with pytest.raises(VenueUnavailableError) as caught:
        breaker.call(lambda: calls.append(1))
    assert calls == []  # refused calls never reach the venue
    assert caught.value.hint is not None
    assert f"circuit open until {(T0 + timedelta(seconds=30)).isoformat()}" in caught.value.hint
    assert breaker.status.refused == 1


def test_success_resets_the_consecutive_count() -> None:
    breaker = CircuitBreaker("sim", TestClock(T0), CONFIG)
    for _ in range(5):
        with pytest.raises(OrderStateUnknownError):
            breaker.call(_timeout)
        with pytest.raises(OrderStateUnknownError):
            breaker.call(_timeout)
        assert breaker.call(lambda: 7) == 7
    status = breaker.status
    assert status.state is BreakerState.CLOSED
    assert status.consecutive_failures == 0
    assert (status.failures, status.successes) == (10, 5)


def test_an_answer_that_is_an_error_is_a_success() -> None:
    breaker = CircuitBreaker("sim", TestClock(T0), CONFIG)
    for _ in range(5):
        with pytest.raises(NotFoundError):
            breaker.call(lambda: _fail_with(NotFoundError("no such order")))
    assert breaker.state is BreakerState.CLOSED
    assert breaker.status.successes == 5


def test_half_open_lets_one_probe_through_and_closes_on_success() -> None:
    clock = TestClock(T0)
    breaker = CircuitBreaker("sim", clock, CONFIG)
    _open_breaker(breaker)
    clock.advance(timedelta(seconds=29))
    assert state(breaker) is BreakerState.OPEN
    clock.advance(timedelta(seconds=1))
    assert state(breaker) is BreakerState.HALF_OPEN

    def probe() -> str:
        # a second call while the probe is in flight is refused
        with pytest.raises(VenueUnavailableError, match="probe"):
            breaker.call(lambda: "second")
        return "probed"

    assert breaker.call(probe) == "probed"
    status = breaker.status
    assert status.state is BreakerState.CLOSED
    assert status.consecutive_failures == 0
    assert status.retry_at is None
    assert breaker.call(lambda: 1) == 1


def test_a_failed_probe_reopens_for_another_period() -> None:
    clock = TestClock(T0)
    breaker = CircuitBreaker("sim", clock, CONFIG)
    _open_breaker(breaker)
    clock.advance(timedelta(seconds=30))
    with pytest.raises(VenueUnavailableError, match="connection refused"):
        breaker.call(_down)
    status = breaker.status
    assert status.state is BreakerState.OPEN
    assert status.times_opened == 2
    assert status.retry_at == clock.now() + timedelta(seconds=30)
    with pytest.raises(VenueUnavailableError, match="circuit is open"):
        breaker.call(lambda: 1)
    clock.advance(timedelta(seconds=30))
    assert breaker.call(lambda: 2) == 2
    assert breaker.state is BreakerState.CLOSED


def test_manual_reset_closes() -> None:
    breaker = CircuitBreaker("sim", TestClock(T0), CONFIG)
    _open_breaker(breaker)
    breaker.reset()
    assert breaker.state is BreakerState.CLOSED
    assert breaker.call(lambda: 3) == 3


def test_config_is_validated() -> None:
    with pytest.raises(ValidationError, match="failure_threshold"):
        BreakerConfig(failure_threshold=0)
    with pytest.raises(ValidationError, match="reset_after"):
        BreakerConfig(reset_after=timedelta(0))


def test_a_rate_limit_opens_at_once_for_the_venues_retry_after() -> None:
    clock = TestClock(T0)
    breaker = CircuitBreaker("binance", clock, CONFIG)
    with pytest.raises(RateLimitedError):
        breaker.call(lambda: _fail_with(RateLimitedError("429", retry_after=2.5)))
    status = breaker.status
    assert status.state is BreakerState.OPEN  # one 429 is enough: back off
    assert status.retry_at == T0 + timedelta(seconds=2.5)
    calls: list[int] = []
    with pytest.raises(VenueUnavailableError, match="not sent"):
        breaker.call(lambda: calls.append(1))
    assert calls == []  # refused without reaching the venue
    clock.advance(timedelta(seconds=2.5))
    breaker.call(lambda: calls.append(1))  # the probe after Retry-After
    assert calls == [1]
    assert breaker.state is BreakerState.CLOSED


def test_a_rate_limit_without_retry_after_waits_the_configured_period() -> None:
    clock = TestClock(T0)
    breaker = CircuitBreaker("binance", clock, CONFIG)
    with pytest.raises(RateLimitedError):
        breaker.call(lambda: _fail_with(RateLimitedError("418")))
    assert breaker.status.retry_at == T0 + CONFIG.reset_after
