"""Cron expressions, the adaptive back-off and clock-driven tickers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tradegraph.core.clock import TestClock
from tradegraph.core.errors import ValidationError
from tradegraph.orchestrator.sessions.schedule import (
    AdaptiveCadence,
    AdaptiveInterval,
    Backoff,
    CronCadence,
    CronSchedule,
    FixedCadence,
    Ticker,
    clock_sleep,
    wait_until,
)

T0 = datetime(2024, 1, 1, 0, 0, tzinfo=UTC)  # a Monday


def _fires(expression: str, start: datetime, count: int) -> list[datetime]:
    schedule = CronSchedule.parse(expression)
    out, t = [], start
    for _ in range(count):
        t = schedule.next_after(t)
        out.append(t)
    return out


def _brute(expression: str, start: datetime, count: int) -> list[datetime]:
    schedule = CronSchedule.parse(expression)
    out, t = [], start.replace(second=0, microsecond=0)
    while len(out) < count:
        t += timedelta(minutes=1)
        if schedule.matches(t):
            out.append(t)
    return out


def test_every_fifteen_minutes() -> None:
    assert _fires("*/15 * * * *", T0, 4) == [T0 + timedelta(minutes=m) for m in (15, 30, 45, 60)]


def test_next_after_is_strict_and_ignores_seconds() -> None:
    schedule = CronSchedule.parse("0 * * * *")
    assert schedule.next_after(T0) == T0 + timedelta(hours=1)
    assert schedule.next_after(T0 - timedelta(seconds=1)) == T0
    assert schedule.next_after(T0 + timedelta(minutes=59, seconds=59)) == T0 + timedelta(hours=1)


@pytest.mark.parametrize(
    "expression",
    [
        "*/15 * * * *",
        "0 */4 * * *",
        "30 9 * * mon-fri",
        "5,35 8-10 * * *",
        "0 0 1,15 * *",
        "0 12 * jan,jul sun",
        "10-50/20 */6 * * 1-5",
        "0 0 13 * fri",  # day-of-month OR weekday (Vixie cron)
        "@daily",
        "@weekly",
        "0 0 * * 7",
    ],
)
def test_next_after_agrees_with_minute_by_minute_matching(expression: str) -> None:
    start = datetime(2024, 2, 27, 22, 17, 31, tzinfo=UTC)
    assert _fires(expression, start, 12) == _brute(expression, start, 12)


def test_weekday_names_and_sunday_as_seven() -> None:
    assert CronSchedule.parse("0 0 * * 7").weekdays == frozenset({0})
    assert CronSchedule.parse("0 0 * * sun").weekdays == frozenset({0})
    weekdays = CronSchedule.parse("30 9 * * mon-fri")
    assert weekdays.weekdays == frozenset({1, 2, 3, 4, 5})
    fires = _fires("30 9 * * mon-fri", datetime(2024, 1, 5, 10, tzinfo=UTC), 2)  # a Friday
    assert fires == [
        datetime(2024, 1, 8, 9, 30, tzinfo=UTC),
        datetime(2024, 1, 9, 9, 30, tzinfo=UTC),
    ]


def test_day_of_month_or_weekday_when_both_restricted() -> None:
    schedule = CronSchedule.parse("0 0 13 * fri")
    assert schedule.matches(datetime(2024, 1, 13, tzinfo=UTC))  # a Saturday, the 13th
    assert schedule.matches(datetime(2024, 1, 5, tzinfo=UTC))  # a Friday
    assert not schedule.matches(datetime(2024, 1, 6, tzinfo=UTC))


def test_leap_day_schedule_finds_the_next_leap_year() -> None:
    assert CronSchedule.parse("0 0 29 2 *").next_after(datetime(2024, 3, 1, tzinfo=UTC)) == (
        datetime(2028, 2, 29, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("* * * *", "expected 5 fields, got 4"),
        ("", "expected 5 fields, got 0"),
        ("60 * * * *", "minute value 60 is outside 0-59"),
        ("* 24 * * *", "hour value 24 is outside 0-23"),
        ("* * 0 * *", "day-of-month value 0 is outside 1-31"),
        ("*/0 * * * *", "step '0' must be a positive integer"),
        ("5-1 * * * *", "runs backwards"),
        ("* * * foo *", "month value 'foo' is not a number or a name"),
        ("1,,2 * * * *", "empty item"),
        ("@fortnightly", "unknown macro"),
    ],
)
def test_invalid_expressions_say_what_is_wrong(expression: str, fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment) as info:
        CronSchedule.parse(expression)
    assert info.value.hint is not None
    assert "minute hour day-of-month month day-of-week" in info.value.hint


def test_impossible_date_never_fires() -> None:
    with pytest.raises(ValidationError, match="never fires"):
        CronSchedule.parse("0 0 30 2 *").next_after(T0)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone-aware"):
        CronSchedule.parse("* * * * *").next_after(datetime(2024, 1, 1))


def test_backoff_doubles_to_the_cap_and_resets_on_activity() -> None:
    state = AdaptiveInterval()
    seen = []
    for _ in range(7):
        state = state.after(changed=False)
        seen.append(state.interval)
    minutes = [int(s.total_seconds() // 60) for s in seen]
    assert minutes == [15, 30, 60, 120, 240, 240, 240]
    assert state.after(changed=True).interval == timedelta(minutes=15)


def test_backoff_validation() -> None:
    with pytest.raises(ValidationError, match="minimum <= maximum"):
        Backoff(minimum=timedelta(hours=2), maximum=timedelta(hours=1))
    with pytest.raises(ValidationError, match="factor"):
        Backoff(factor=0.5)


def test_cadences() -> None:
    now = T0 + timedelta(minutes=7, seconds=3)
    assert FixedCadence(timedelta(seconds=30)).next_check(now, False) == now + timedelta(seconds=30)
    assert CronCadence.parse("*/15 * * * *").next_check(now, True) == T0 + timedelta(minutes=15)
    adaptive = AdaptiveCadence()
    assert adaptive.next_check(now, False) == now + timedelta(minutes=15)
    assert adaptive.next_check(now, False) == now + timedelta(minutes=30)
    assert adaptive.next_check(now, True) == now + timedelta(minutes=15)


def test_ticker_waits_on_a_test_clock() -> None:
    clock = TestClock(T0 + timedelta(minutes=1))
    sleeps: list[float] = []
    advance = clock_sleep(clock)

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        advance(seconds)

    ticker = Ticker(CronCadence.parse("0 */4 * * *"), clock, sleep)
    assert ticker.wait() == T0 + timedelta(hours=4)
    assert clock.now() == T0 + timedelta(hours=4)
    assert ticker.wait() == T0 + timedelta(hours=8)
    assert sleeps == [4 * 3600 - 60, 4 * 3600]


def test_adaptive_ticker_backs_off_while_nothing_changes() -> None:
    clock = TestClock(T0)
    ticker = Ticker(AdaptiveCadence(), clock, clock_sleep(clock))
    checks = []
    for changed in (False, False, False, True, False):
        ticker.schedule(changed)
        checks.append(ticker.wait())
    gaps = [int((b - a).total_seconds() // 60) for a, b in zip([T0, *checks], checks, strict=False)]
    assert gaps == [15, 30, 60, 15, 30]


def test_wait_until_sleeps_until_the_clock_arrives() -> None:
    clock = TestClock(T0)
    calls: list[float] = []

    def sleep(seconds: float) -> None:  # a sleep that wakes up early once
        calls.append(seconds)
        clock.advance(timedelta(seconds=seconds / 2 if len(calls) == 1 else seconds))

    wait_until(clock, sleep, T0 + timedelta(seconds=10))
    assert clock.now() == T0 + timedelta(seconds=10)
    assert calls == [10.0, 5.0]
    wait_until(clock, sleep, T0)  # in the past: no sleep
    assert len(calls) == 2
