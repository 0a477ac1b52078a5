"""When a session looks at the market: cron expressions and the adaptive check interval.

Pure parts (no clock, no sleeping):

- ``CronSchedule``: a 5-field cron expression (``minute hour day-of-month month
  day-of-week``) with ``*``, ``*/n``, ranges ``a-b`` (and ``a-b/n``), lists ``a,b,c``,
  month and weekday names (``jan``, ``mon``; 0 and 7 are Sunday) and the macros
  ``@hourly @daily @weekly @monthly @yearly``. Day-of-month and day-of-week combine as
  in Vixie cron: when both are restricted, either may match. ``next_after(t)`` is the
  first matching minute strictly after ``t`` (UTC).
- ``Backoff`` / ``AdaptiveInterval``: the check interval of slow strategies, doubling from
  ``minimum`` (15 min) to ``maximum`` (4 h) while nothing changes and back to the minimum
  on activity.
- ``Cadence`` (``FixedCadence``, ``CronCadence``, ``AdaptiveCadence``): "when is the next
  check, given now and whether the last one saw a change" as one port.

Clock-driven part: ``Ticker`` waits (through an injectable ``sleep``) until a cadence's
next check by a ``Clock``; with a ``TestClock`` and ``clock_sleep`` time only moves when
the ticker waits, so schedules are tested without real waiting.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from tradegraph.core.clock import Clock, TestClock
from tradegraph.core.errors import ValidationError

Sleep = Callable[[float], None]
"""Waits this many seconds (``time.sleep`` in production, a clock advance in tests)."""

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_WEEKDAYS = {"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}
_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_FIELDS: tuple[tuple[str, int, int, dict[str, int]], ...] = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day-of-month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day-of-week", 0, 7, _WEEKDAYS),
)
_SEARCH_YEARS = 8  # enough for Feb 29 on a given weekday; more means "never"
_HINT = (
    "Use 5 fields 'minute hour day-of-month month day-of-week', e.g. '*/15 * * * *' "
    "(every 15 minutes), '0 */4 * * *' (every 4 hours), '30 9 * * mon-fri'; or @hourly, "
    "@daily, @weekly, @monthly."
)


def _bad(expression: str, problem: str) -> ValidationError:
    return ValidationError(f"Cron expression {expression!r}: {problem}.", hint=_HINT)


def _value(expression: str, name: str, token: str, names: dict[str, int]) -> int:
    key = token.strip().lower()
    if key in names:
        return names[key]
    if not key.isdigit():
        known = f" or a name ({', '.join(names)})" if names else ""
        raise _bad(expression, f"{name} value {token!r} is not a number{known}")
    return int(key)


def _parse_field(
    expression: str, text: str, spec: tuple[str, int, int, dict[str, int]]
) -> frozenset[int]:
    name, low, high, names = spec
    values: set[int] = set()
    for part in text.split(","):
        if not part:
            raise _bad(expression, f"empty item in the {name} field {text!r}")
        body, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) < 1:
                raise _bad(expression, f"{name} step {step_text!r} must be a positive integer")
            step = int(step_text)
        if body == "*":
            start, end = low, high
        elif "-" in body:
            first, _, last = body.partition("-")
            start = _value(expression, name, first, names)
            end = _value(expression, name, last, names)
            if start > end:
                raise _bad(expression, f"{name} range {body!r} runs backwards")
        else:
            start = _value(expression, name, body, names)
            end = high if step_text else start
        for value in (start, end):
            if not low <= value <= high:
                raise _bad(expression, f"{name} value {value} is outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True, slots=True)
class CronSchedule:
    """A parsed cron expression (see the module docstring); times are UTC."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    """0 = Sunday ... 6 = Saturday (7 is folded into 0)."""
    day_restricted: bool
    weekday_restricted: bool

    @classmethod
    def parse(cls, expression: str) -> CronSchedule:
        text = " ".join(str(expression).split())
        expanded = _MACROS.get(text.lower(), text)
        if expanded.startswith("@"):
            raise _bad(text, f"unknown macro {expanded!r}")
        parts = expanded.split(" ")
        if len(parts) != len(_FIELDS):
            raise _bad(text, f"expected 5 fields, got {len(parts) if expanded else 0}")
        sets = [_parse_field(text, part, spec) for part, spec in zip(parts, _FIELDS, strict=True)]
        weekdays = frozenset(d % 7 for d in sets[4])
        return cls(
            expression=text,
            minutes=sets[0],
            hours=sets[1],
            days=sets[2],
            months=sets[3],
            weekdays=weekdays,
            day_restricted=not parts[2].startswith("*"),
            weekday_restricted=not parts[4].startswith("*"),
        )

    def _day_matches(self, moment: datetime) -> bool:
        dom = moment.day in self.days
        dow = (moment.isoweekday() % 7) in self.weekdays
        if self.day_restricted and self.weekday_restricted:
            return dom or dow
        return dom and dow

    def matches(self, moment: datetime) -> bool:
        """Whether the minute containing ``moment`` (UTC) is a scheduled minute."""
        t = _utc(moment)
        return (
            t.month in self.months
            and self._day_matches(t)
            and t.hour in self.hours
            and t.minute in self.minutes
        )

    def next_after(self, moment: datetime) -> datetime:
        """The first scheduled minute strictly after ``moment`` (UTC, seconds zero)."""
        t = _utc(moment).replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = t + timedelta(days=366 * _SEARCH_YEARS)
        while t < limit:
            if t.month not in self.months:
                t = _next_month(t)
                continue
            if not self._day_matches(t):
                t = (t + timedelta(days=1)).replace(hour=0, minute=0)
                continue
            if t.hour not in self.hours:
                t = (t + timedelta(hours=1)).replace(minute=0)
                continue
            if t.minute not in self.minutes:
                t += timedelta(minutes=1)
                continue
            return t
        raise ValidationError(
            f"Cron expression {self.expression!r} never fires (no date matches within "
            f"{_SEARCH_YEARS} years).",
            hint="Check the day-of-month against the months (e.g. '30 2' is never valid).",
        )

    def __str__(self) -> str:
        return self.expression


def _next_month(t: datetime) -> datetime:
    year, month = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
    return t.replace(year=year, month=month, day=1, hour=0, minute=0)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() != timedelta(0):
        raise ValidationError(
            f"Schedule times must be timezone-aware UTC, got {moment!r}.",
            hint="Take times from a tradegraph.core.clock.Clock.",
        )
    return moment.astimezone(UTC)


# --- adaptive interval ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Backoff:
    """Check every ``minimum`` after activity, multiplying by ``factor`` up to ``maximum``
    while nothing changes."""

    minimum: timedelta = timedelta(minutes=15)
    maximum: timedelta = timedelta(hours=4)
    factor: float = 2.0

    def __post_init__(self) -> None:
        if self.minimum <= timedelta(0) or self.maximum < self.minimum:
            raise ValidationError(
                f"Backoff needs 0 < minimum <= maximum, got {self.minimum} and {self.maximum}.",
                hint="E.g. Backoff(minimum=timedelta(minutes=15), maximum=timedelta(hours=4)).",
            )
        if not self.factor >= 1.0:
            raise ValidationError(
                f"Backoff factor must be >= 1, got {self.factor}.", hint="2.0 doubles."
            )


@dataclass(frozen=True, slots=True)
class AdaptiveInterval:
    """The current check interval; ``after(changed)`` is the next one."""

    backoff: Backoff = field(default_factory=Backoff)
    current: timedelta | None = None

    @property
    def interval(self) -> timedelta:
        return self.current if self.current is not None else self.backoff.minimum

    def after(self, changed: bool) -> AdaptiveInterval:
        """Reset to the minimum on activity, else grow by the factor (capped)."""
        if changed or self.current is None:
            return replace(self, current=self.backoff.minimum)
        grown = self.current * self.backoff.factor
        return replace(self, current=min(grown, self.backoff.maximum))


# --- cadences ---------------------------------------------------------------------------


@runtime_checkable
class Cadence(Protocol):
    """When to check next, given the time of this check and whether it saw a change."""

    def next_check(self, now: datetime, changed: bool) -> datetime: ...


@dataclass(frozen=True, slots=True)
class FixedCadence:
    """Every ``interval``."""

    interval: timedelta

    def __post_init__(self) -> None:
        if self.interval <= timedelta(0):
            raise ValidationError(
                f"A check interval must be positive, got {self.interval}.",
                hint="E.g. timedelta(seconds=30).",
            )

    def next_check(self, now: datetime, changed: bool) -> datetime:
        del changed
        return _utc(now) + self.interval


@dataclass(frozen=True, slots=True)
class CronCadence:
    """At the minutes of a cron expression."""

    schedule: CronSchedule

    @classmethod
    def parse(cls, expression: str) -> CronCadence:
        return cls(CronSchedule.parse(expression))

    def next_check(self, now: datetime, changed: bool) -> datetime:
        del changed
        return self.schedule.next_after(now)


class AdaptiveCadence:
    """The adaptive interval as a cadence (it keeps the current interval: one per feed)."""

    def __init__(self, backoff: Backoff | None = None) -> None:
        self._state = AdaptiveInterval(backoff or Backoff())

    @property
    def interval(self) -> timedelta:
        return self._state.interval

    def next_check(self, now: datetime, changed: bool) -> datetime:
        self._state = self._state.after(changed)
        return _utc(now) + self._state.interval


# --- clock-driven -----------------------------------------------------------------------


class Ticker:
    """Waits for a cadence's checks on a clock (``sleep`` is injectable)."""

    def __init__(self, cadence: Cadence, clock: Clock, sleep: Sleep) -> None:
        self.cadence = cadence
        self.clock = clock
        self.sleep = sleep
        self._next: datetime | None = None

    @property
    def next_check(self) -> datetime | None:
        return self._next

    def schedule(self, changed: bool) -> datetime:
        """Plan the next check from now (after a check that did or did not see a change)."""
        self._next = self.cadence.next_check(self.clock.now(), changed)
        return self._next

    def wait(self) -> datetime:
        """Sleep until the planned check (plans one first when none is) and return it."""
        target = self._next if self._next is not None else self.schedule(False)
        wait_until(self.clock, self.sleep, target)
        self._next = None
        return target


def wait_until(clock: Clock, sleep: Sleep, moment: datetime) -> None:
    """Sleep until ``clock`` reaches ``moment`` (in one or more sleeps)."""
    while True:
        remaining = (moment - clock.now()).total_seconds()
        if remaining <= 0:
            return
        sleep(remaining)


def clock_sleep(clock: TestClock) -> Sleep:
    """A ``sleep`` that advances a ``TestClock`` instead of waiting (for replays and tests)."""

    def _sleep(seconds: float) -> None:
        if seconds > 0:
            clock.advance(timedelta(seconds=seconds))

    return _sleep


__all__ = [
    "AdaptiveCadence",
    "AdaptiveInterval",
    "Backoff",
    "Cadence",
    "CronCadence",
    "CronSchedule",
    "FixedCadence",
    "Sleep",
    "Ticker",
    "clock_sleep",
    "wait_until",
]
