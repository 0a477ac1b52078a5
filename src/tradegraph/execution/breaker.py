"""Per-venue circuit breaker: stop calling a venue that keeps failing, probe it later.

States::

    CLOSED ──failure_threshold consecutive failures──▶ OPEN
    OPEN ──reset_after elapsed on the Clock──▶ HALF_OPEN (one probe call is let through)
    HALF_OPEN ──probe succeeds──▶ CLOSED
    HALF_OPEN ──probe fails──▶ OPEN (for another reset_after)

A rate-limit answer (``RateLimitedError``, HTTP 418/429) opens the circuit at once, for
the venue's ``Retry-After`` when it gave one (else ``reset_after``): the OMS backs off
instead of spending more of the venue's patience.

A *failure* is a transport outcome: ``VenueUnavailableError`` or ``OrderStateUnknownError``
raised by the wrapped call. Any other outcome — a return value or another exception (a
``NotFoundError`` is an answer from a healthy venue) — is a success. While OPEN, and
while the HALF_OPEN probe is in flight, calls are refused with ``VenueUnavailableError``
*without* calling the venue, so a refused submit certainly did not execute.

Time comes only from the injected ``Clock``; the breaker is thread-safe. ``status`` is a
frozen ``BreakerStatus`` value for APIs, the CLI and tests.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TypeVar

from tradegraph.core.clock import Clock
from tradegraph.core.errors import (
    OrderStateUnknownError,
    TradegraphError,
    ValidationError,
    VenueUnavailableError,
)
from tradegraph.data.sources.ports import RateLimitedError

T = TypeVar("T")

_FAILURES = (VenueUnavailableError, OrderStateUnknownError)


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True, slots=True)
class BreakerConfig:
    """``failure_threshold`` consecutive failures open the circuit for ``reset_after``."""

    failure_threshold: int = 5
    reset_after: timedelta = timedelta(seconds=30)

    def __post_init__(self) -> None:
        if self.failure_threshold < 1:
            raise ValidationError(
                f"BreakerConfig.failure_threshold must be >= 1, got {self.failure_threshold}.",
                hint="Use e.g. 5 consecutive failures.",
            )
        if self.reset_after <= timedelta(0):
            raise ValidationError(
                f"BreakerConfig.reset_after must be positive, got {self.reset_after}.",
                hint="Use e.g. timedelta(seconds=30).",
            )


@dataclass(frozen=True, slots=True)
class BreakerStatus:
    """A snapshot of one venue's breaker."""

    venue: str
    state: BreakerState
    consecutive_failures: int
    failures: int
    """Failures counted since the breaker was created."""
    successes: int
    refused: int
    """Calls refused without reaching the venue (circuit open or probe in flight)."""
    times_opened: int
    opened_at: datetime | None
    retry_at: datetime | None
    """When OPEN: the earliest time a probe is let through."""
    last_error: str

    @property
    def allows_calls(self) -> bool:
        return self.state is BreakerState.CLOSED


class CircuitBreaker:
    """Wraps venue calls: ``breaker.call(lambda: client.submit(request))``."""

    def __init__(self, venue: str, clock: Clock, config: BreakerConfig | None = None) -> None:
        self._venue = venue
        self._clock = clock
        self._config = config or BreakerConfig()
        self._lock = threading.Lock()
        self._state = BreakerState.CLOSED
        self._consecutive = 0
        self._failures = 0
        self._successes = 0
        self._refused = 0
        self._opened = 0
        self._opened_at: datetime | None = None
        self._retry_at: datetime | None = None
        self._probe_in_flight = False
        self._last_error = ""

    @property
    def venue(self) -> str:
        return self._venue

    @property
    def config(self) -> BreakerConfig:
        return self._config

    @property
    def state(self) -> BreakerState:
        """The current state (an OPEN breaker whose wait has elapsed reads HALF_OPEN)."""
        with self._lock:
            self._maybe_half_open()
            return self._state

    @property
    def status(self) -> BreakerStatus:
        with self._lock:
            self._maybe_half_open()
            return BreakerStatus(
                venue=self._venue,
                state=self._state,
                consecutive_failures=self._consecutive,
                failures=self._failures,
                successes=self._successes,
                refused=self._refused,
                times_opened=self._opened,
                opened_at=self._opened_at,
                retry_at=self._retry_at,
                last_error=self._last_error,
            )

    def call(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` if the circuit lets it through and count its outcome."""
        probe = self._admit()
        try:
            result = fn()
        except _FAILURES as exc:
            self._record_failure(exc, probe)
            raise
        except Exception:
            # An answer from the venue (NotFoundError, a validation error): it is reachable.
            self._record_success(probe)
            raise
        except BaseException:  # interrupted: no verdict on the venue, free the probe slot
            self._release(probe)
            raise
        self._record_success(probe)
        return result

    def reset(self) -> None:
        """Close the circuit by hand (operator action); counters are kept."""
        with self._lock:
            self._close()

    # --- internals ------------------------------------------------------------------------

    def _maybe_half_open(self) -> None:
        if (
            self._state is BreakerState.OPEN
            and self._retry_at is not None
            and self._clock.now() >= self._retry_at
        ):
            self._state = BreakerState.HALF_OPEN
            self._probe_in_flight = False

    def _admit(self) -> bool:
        """Raise if refused; return True when this call is the HALF_OPEN probe."""
        with self._lock:
            self._maybe_half_open()
            if self._state is BreakerState.CLOSED:
                return False
            if self._state is BreakerState.HALF_OPEN and not self._probe_in_flight:
                self._probe_in_flight = True
                return True
            self._refused += 1
            until = self._retry_at.isoformat() if self._retry_at else "the probe completes"
            if self._state is BreakerState.HALF_OPEN:
                what = "a probe call is in flight"
            else:
                what = f"{self._consecutive} consecutive failures, last: {self._last_error}"
            message = (
                f"Venue {self._venue!r} circuit is {self._state.value} ({what}); the call was "
                "not sent."
            )
        raise VenueUnavailableError(
            message,
            hint=f"circuit open until {until}; retry after that, or check the venue's status.",
        )

    def _record_failure(self, exc: BaseException, probe: bool) -> None:
        with self._lock:
            self._failures += 1
            self._consecutive += 1
            text = exc.message if isinstance(exc, TradegraphError) else str(exc)
            self._last_error = f"{type(exc).__name__}: {text}"
            if probe:
                self._probe_in_flight = False
            if isinstance(exc, RateLimitedError):  # back off now, for as long as asked
                wait = (
                    timedelta(seconds=max(exc.retry_after, 0.0))
                    if exc.retry_after is not None
                    else self._config.reset_after
                )
                self._open(wait)
            elif probe or (
                self._state is BreakerState.CLOSED
                and self._consecutive >= self._config.failure_threshold
            ):
                self._open()

    def _record_success(self, probe: bool) -> None:
        with self._lock:
            self._successes += 1
            if probe or self._state is BreakerState.CLOSED:
                self._close()

    def _release(self, probe: bool) -> None:
        if probe:
            with self._lock:
                self._probe_in_flight = False

    def _open(self, wait: timedelta | None = None) -> None:
        now = self._clock.now()
        self._state = BreakerState.OPEN
        self._opened += 1
        self._opened_at = now
        self._retry_at = now + (self._config.reset_after if wait is None else wait)
        self._probe_in_flight = False

    def _close(self) -> None:
        self._state = BreakerState.CLOSED
        self._consecutive = 0
        self._retry_at = None
        self._probe_in_flight = False


__all__ = ["BreakerConfig", "BreakerState", "BreakerStatus", "CircuitBreaker"]
