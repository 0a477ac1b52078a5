"""Order-rate throttle (token bucket per strategy) and the kill switch.

``OrderThrottle`` stops a runaway strategy: each strategy has a bucket of ``burst``
tokens refilled at ``rate`` per second of *Clock* time; a placement takes one token per
top-level order and is refused (a value, not an exception) when the bucket is short.
``KillSwitch`` is a thread-safe latch: once tripped (with a reason and a time) the OMS
refuses every new risk-increasing order and cancels the working ones, until an operator
resets it. Both are thread-safe.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from tradegraph.core.clock import Clock
from tradegraph.core.errors import ValidationError


class TokenBucket:
    """``capacity`` tokens, refilled continuously at ``rate`` tokens per Clock second."""

    def __init__(self, rate: float, capacity: float, clock: Clock) -> None:
        if rate <= 0 or capacity < 1:
            raise ValidationError(
                f"TokenBucket needs rate > 0 and capacity >= 1, got rate={rate}, "
                f"capacity={capacity}.",
                hint="Use e.g. rate=50 orders/s with capacity=50.",
            )
        self._rate = rate
        self._capacity = capacity
        self._clock = clock
        self._tokens = capacity
        self._last_ns = clock.timestamp_ns()
        self._lock = threading.Lock()

    @property
    def tokens(self) -> float:
        with self._lock:
            self._refill()
            return self._tokens

    def try_take(self, count: int = 1) -> bool:
        """Take ``count`` tokens if all are there (all or nothing)."""
        with self._lock:
            self._refill()
            if self._tokens + 1e-9 < count:
                return False
            self._tokens -= count
            return True

    def _refill(self) -> None:
        now_ns = self._clock.timestamp_ns()
        elapsed = (now_ns - self._last_ns) / 1e9
        if elapsed > 0:
            self._tokens = min(self._capacity, self._tokens + elapsed * self._rate)
            self._last_ns = now_ns


class OrderThrottle:
    """One token bucket per strategy; ``rate`` None disables throttling."""

    def __init__(self, rate: float | None, burst: float | None, clock: Clock) -> None:
        self._rate = rate
        self._burst = burst if burst is not None else (max(1.0, rate) if rate else 1.0)
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    @property
    def rate(self) -> float | None:
        return self._rate

    def try_acquire(self, strategy_id: str, count: int = 1) -> bool:
        """True when ``strategy_id`` may place ``count`` more orders now."""
        if self._rate is None or count <= 0:
            return True
        with self._lock:
            bucket = self._buckets.get(strategy_id)
            if bucket is None:
                bucket = TokenBucket(self._rate, self._burst, self._clock)
                self._buckets[strategy_id] = bucket
        return bucket.try_take(count)


@dataclass(frozen=True, slots=True)
class KillSwitchStatus:
    tripped: bool
    reason: str = ""
    tripped_at: datetime | None = None


class KillSwitch:
    """A latch: ``trip`` stops new risk-increasing orders until ``reset``.

    Tripping again while tripped keeps the first reason and time (the cause that matters).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status = KillSwitchStatus(tripped=False)

    @property
    def tripped(self) -> bool:
        return self._status.tripped  # a single attribute read: atomic

    @property
    def status(self) -> KillSwitchStatus:
        return self._status

    def trip(self, reason: str, at: datetime) -> KillSwitchStatus:
        """Trip the switch (idempotent); returns the status now in force."""
        if not reason.strip():
            raise ValidationError(
                "KillSwitch.trip needs a reason.", hint="Say why trading is halted."
            )
        with self._lock:
            if not self._status.tripped:
                self._status = KillSwitchStatus(tripped=True, reason=reason, tripped_at=at)
            return self._status

    def reset(self) -> KillSwitchStatus:
        """Re-arm (operator action after the cause is fixed)."""
        with self._lock:
            self._status = KillSwitchStatus(tripped=False)
            return self._status


__all__ = ["KillSwitch", "KillSwitchStatus", "OrderThrottle", "TokenBucket"]
