"""The Clock port: the only way tradegraph code learns the current time.

``LiveClock`` reads the system clock; ``TestClock`` is set and advanced explicitly, so
tests, replays and backtests are deterministic. Nothing else calls ``datetime.now`` or
``time.time`` for business time (``time.perf_counter`` for measuring durations is fine).
All times are timezone-aware UTC.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from tradegraph.core.errors import ValidationError


@runtime_checkable
class Clock(Protocol):
    """Source of the current UTC time."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...

    def timestamp_ns(self) -> int:
        """The current time as integer nanoseconds since the Unix epoch."""
        ...


class LiveClock:
    """The system wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def timestamp_ns(self) -> int:
        return time.time_ns()


def _require_utc(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValidationError(
            f"{what} must be timezone-aware UTC, got {value!r}.",
            hint="Pass datetime(..., tzinfo=datetime.UTC).",
        )
    return value.astimezone(UTC)


class TestClock:
    """A clock that only moves when told to. Thread-safe; never goes backwards."""

    __test__ = False  # not a pytest test class

    def __init__(self, start: datetime | None = None) -> None:
        self._now = _require_utc(start, "start") if start else datetime(2020, 1, 1, tzinfo=UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def timestamp_ns(self) -> int:
        now = self.now()
        delta = now - datetime(1970, 1, 1, tzinfo=UTC)
        return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000

    def set(self, value: datetime) -> None:
        """Move to ``value``; refuses to go backwards."""
        value = _require_utc(value, "value")
        with self._lock:
            if value < self._now:
                raise ValidationError(
                    f"TestClock cannot go backwards from {self._now.isoformat()} "
                    f"to {value.isoformat()}.",
                    hint="Create a new TestClock to restart time.",
                )
            self._now = value

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta`` and return the new time."""
        if delta < timedelta(0):
            raise ValidationError(
                f"TestClock.advance needs a non-negative delta, got {delta}.",
                hint="Use a positive timedelta.",
            )
        with self._lock:
            self._now = self._now + delta
            return self._now


__all__ = ["Clock", "LiveClock", "TestClock"]
