"""The drawdown guard: transitions by hand, a simulated drawdown tripping SAFE_MODE at the
configured level (property), persistence through the store port, and the float kernel."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.core.errors import NotFoundError, RiskError, ValidationError
from tradegraph.risk import (
    DrawdownGuard,
    GuardMode,
    GuardState,
    GuardTransition,
    ReasonCode,
    RiskConfig,
    guard_status,
    halt_guard,
    observe_equity,
    reset_guard,
)
from tradegraph.risk import kernels as k
from tradegraph.testing.risk import T0, InMemoryRiskStateStore, RiskStateStoreContract

D = Decimal

GUARD = DrawdownGuard(RiskConfig())  # daily 8 %, monthly 20 %, REDUCING at half of either


def minutes(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def test_active_reducing_halted_and_no_way_back_without_reset() -> None:
    state = GUARD.start(D(1000), T0)
    steps = [
        (D(970), GuardMode.ACTIVE),
        (D(960), GuardMode.REDUCING),
        (D(975), GuardMode.ACTIVE),
        (D(950), GuardMode.REDUCING),
        (D(920), GuardMode.HALTED),
        (D(1100), GuardMode.HALTED),
    ]
    seen = []
    for i, (equity, expected) in enumerate(steps, start=1):
        update = GUARD.observe(state, equity, minutes(i))
        state = update.state
        assert state.mode is expected, (i, equity)
        seen.extend(update.transitions)
    assert [(t.from_mode, t.to_mode, t.reason) for t in seen] == [
        (GuardMode.ACTIVE, GuardMode.REDUCING, ReasonCode.DAILY_LOSS_LIMIT),
        (GuardMode.REDUCING, GuardMode.ACTIVE, ReasonCode.RECOVERED),
        (GuardMode.ACTIVE, GuardMode.REDUCING, ReasonCode.DAILY_LOSS_LIMIT),
        (GuardMode.REDUCING, GuardMode.HALTED, ReasonCode.DAILY_LOSS_LIMIT),
    ]
    trip = seen[-1]
    assert trip.equity == D(920)
    assert trip.daily_loss == D("0.08")
    assert trip.drawdown == D("0.08")
    assert trip.time == minutes(5)
    assert state.peak_equity == D(1100)  # the peak keeps moving while halted


def test_reset_is_explicit_and_rebaselines() -> None:
    halted = GUARD.observe(GUARD.start(D(1000), T0), D(900), minutes(1)).state
    assert halted.mode is GuardMode.HALTED
    update = GUARD.reset(halted, D(900), minutes(2), actor="cli:alice", note="reviewed")
    assert update.state.mode is GuardMode.ACTIVE
    assert (update.state.peak_equity, update.state.day_start_equity) == (D(900), D(900))
    (transition,) = update.transitions
    assert (transition.reason, transition.actor, transition.note) == (
        ReasonCode.MANUAL_RESET,
        "cli:alice",
        "reviewed",
    )
    # A further 3 % loss from the new baseline is fine again.
    assert GUARD.observe(update.state, D(873), minutes(3)).state.mode is GuardMode.ACTIVE
    with pytest.raises(ValidationError):
        GUARD.reset(halted, D(900), minutes(2), actor=" ")
    with pytest.raises(RiskError):
        GUARD.reset(halted, D(0), minutes(2), actor="cli:alice")
    assert GUARD.reset(update.state, D(800), minutes(4), actor="x").transitions == ()


def test_manual_halt() -> None:
    state = GUARD.start(D(1000), T0)
    update = GUARD.halt(state, minutes(1), note="exchange incident")
    assert update.state.mode is GuardMode.HALTED
    assert update.transitions[0].reason is ReasonCode.MANUAL_HALT
    assert GUARD.halt(update.state, minutes(2)).transitions == ()


def test_day_and_month_baselines_roll_with_the_last_equity_before_the_boundary() -> None:
    start = datetime(2024, 1, 31, 22, tzinfo=UTC)
    state = GUARD.start(D(1000), start)
    state = GUARD.observe(state, D(950), start + timedelta(hours=1)).state  # 5 %: REDUCING
    assert state.mode is GuardMode.REDUCING
    next_day = GUARD.observe(state, D(940), start + timedelta(hours=3))  # Feb 1st
    assert next_day.state.day_start_equity == D(950)
    assert next_day.state.month_start_equity == D(950)
    assert next_day.state.mode is GuardMode.ACTIVE  # 1.05 % today
    assert next_day.transitions[0].reason is ReasonCode.RECOVERED


def test_monthly_and_max_drawdown_limits() -> None:
    guard = DrawdownGuard(RiskConfig(max_drawdown=D("0.1"), daily_loss_limit=D("0.5")))
    state = guard.start(D(1000), T0)
    state = guard.observe(state, D(1200), minutes(1)).state
    update = guard.observe(state, D(1080), minutes(2))  # 10 % off the 1,200 peak
    assert update.state.mode is GuardMode.HALTED
    assert update.transitions[0].reason is ReasonCode.MAX_DRAWDOWN
    monthly = DrawdownGuard(RiskConfig(daily_loss_limit=D("0.5")))
    s = monthly.start(D(1000), T0)
    for day in range(1, 5):  # 5 % a day, never a daily breach
        s = monthly.observe(s, D(1000) - 50 * day, T0 + timedelta(days=day)).state
    assert s.mode is GuardMode.HALTED
    assert s.reason is ReasonCode.MONTHLY_LOSS_LIMIT


def test_time_must_not_go_backwards_and_inputs_are_validated() -> None:
    state = GUARD.start(D(1000), minutes(5))
    with pytest.raises(ValidationError):
        GUARD.observe(state, D(1000), minutes(4))
    with pytest.raises(ValidationError):
        GUARD.observe(state, D(1000), datetime(2024, 1, 3))


def test_state_round_trips_through_a_dict() -> None:
    state = GUARD.observe(GUARD.start(D("1000.5"), T0), D("900.25"), minutes(1)).state
    assert GuardState.from_dict(state.to_dict()) == state
    broken = {**state.to_dict(), "mode": "sideways"}
    with pytest.raises(ValidationError):
        GuardState.from_dict(broken)


def test_transition_payload_is_journal_ready() -> None:
    update = GUARD.observe(GUARD.start(D(1000), T0), D(900), minutes(1))
    payload = update.transitions[0].audit_payload()
    assert GuardTransition.AUDIT_KIND == "risk.guard_transition"
    assert payload["from"] == "active"
    assert payload["to"] == "halted"
    assert payload["reason"] == "daily_loss_limit"
    assert payload["drawdown"] == "0.1"


# --- a simulated drawdown trips SAFE_MODE at the configured level ---------------------------


@settings(max_examples=200, deadline=None)
@given(
    daily=st.sampled_from([D("0.03"), D("0.05"), D("0.08")]),
    monthly=st.sampled_from([D("0.1"), D("0.2")]),
    reduce_at=st.sampled_from([D("0.5"), D("0.75")]),
    moves=st.lists(st.integers(-300, 200), min_size=1, max_size=80),
    hours=st.lists(st.integers(1, 30), min_size=80, max_size=80),
)
def test_simulated_drawdown_trips_safe_mode_at_the_configured_level(
    *, daily: D, monthly: D, reduce_at: D, moves: list[int], hours: list[int]
) -> None:
    guard = DrawdownGuard(
        RiskConfig(daily_loss_limit=daily, monthly_loss_limit=monthly, reduce_at=reduce_at)
    )
    equity, time = D(100_000), datetime(2024, 3, 30, tzinfo=UTC)
    state = guard.start(equity, time)
    # Independent bookkeeping of the documented baselines.
    day_start = month_start = last = equity
    last_time = time
    halted = False
    for move, gap in zip(moves, hours, strict=False):
        equity = (equity * (1 + D(move) / 10_000)).quantize(D("0.01"))
        time += timedelta(hours=gap)
        if time.date() != last_time.date():
            day_start = last
        if (time.year, time.month) != (last_time.year, last_time.month):
            month_start = last
        last, last_time = equity, time
        daily_loss = (day_start - equity) / day_start
        monthly_loss = (month_start - equity) / month_start
        halted = halted or daily_loss >= daily or monthly_loss >= monthly
        expected = (
            GuardMode.HALTED
            if halted
            else GuardMode.REDUCING
            if daily_loss >= reduce_at * daily or monthly_loss >= reduce_at * monthly
            else GuardMode.ACTIVE
        )
        update = guard.observe(state, equity, time)
        state = update.state
        assert state.mode is expected, (equity, day_start, month_start)
        if update.transitions:
            assert update.transitions[-1].to_mode is expected


@settings(max_examples=300, deadline=None)
@given(
    mode=st.sampled_from([k.MODE_ACTIVE, k.MODE_REDUCING]),
    equity=st.integers(1, 200_000),
    day_start=st.integers(1, 200_000),
    month_start=st.integers(1, 200_000),
    peak=st.integers(1, 200_000),
    dd_on=st.booleans(),
)
def test_guard_kernel_matches_the_decimal_guard(
    *, mode: int, equity: int, day_start: int, month_start: int, peak: int, dd_on: bool
) -> None:
    cfg = RiskConfig(max_drawdown=D("0.25") if dd_on else None)
    guard = DrawdownGuard(cfg)
    expected, _ = guard.assess(D(equity), D(day_start), D(month_start), D(peak))
    code = k.guard_mode(
        mode,
        float(equity),
        float(day_start),
        float(month_start),
        float(peak),
        0.08,
        0.2,
        0.25 if dd_on else math.nan,
        0.5,
    )
    # Float products can differ from Decimal only exactly on a boundary; skip those.
    boundaries = [
        D("0.08") * day_start,
        D("0.2") * month_start,
        D("0.04") * day_start,
        D("0.1") * month_start,
    ]
    if dd_on:
        boundaries += [D("0.25") * peak, D("0.125") * peak]
    losses = [day_start - equity, month_start - equity, peak - equity]
    if any(abs(loss - b) < D("0.001") for loss in losses for b in boundaries):
        return
    names = {
        k.MODE_ACTIVE: GuardMode.ACTIVE,
        k.MODE_REDUCING: GuardMode.REDUCING,
        k.MODE_HALTED: GuardMode.HALTED,
    }
    assert names[code] is expected
    assert (
        k.guard_mode(k.MODE_HALTED, float(equity), 1.0, 1.0, 1.0, 0.08, 0.2, math.nan, 0.5)
        == k.MODE_HALTED
    )


# --- the store port and the use cases --------------------------------------------------------


class TestInMemoryRiskStateStore(RiskStateStoreContract):
    def make_store(self) -> InMemoryRiskStateStore:
        return InMemoryRiskStateStore()

    def journal(self, store, tenant_id, strategy_id):  # type: ignore[no-untyped-def]
        return [
            (r.kind, r.payload)
            for r in store.records
            if (r.tenant_id, r.strategy_id) == (tenant_id, strategy_id)
        ]


def test_use_cases_persist_state_and_journal_every_transition() -> None:
    store = InMemoryRiskStateStore()
    with pytest.raises(NotFoundError):
        guard_status(store, "default", "s1")
    observe_equity(store, GUARD, "default", "s1", equity=D(1000), now=T0)
    observe_equity(store, GUARD, "default", "s1", equity=D(955), now=minutes(1))
    update = observe_equity(store, GUARD, "default", "s1", equity=D(900), now=minutes(2))
    assert update.state.mode is GuardMode.HALTED
    assert guard_status(store, "default", "s1").mode is GuardMode.HALTED
    reset = reset_guard(
        store, GUARD, "default", "s1", equity=D(900), now=minutes(3), actor="cli:bob"
    )
    assert reset.state.mode is GuardMode.ACTIVE
    halt_guard(store, GUARD, "default", "s1", now=minutes(4), actor="cli:bob", note="kill switch")
    kinds = [(r.payload["from"], r.payload["to"], r.payload["reason"]) for r in store.records]
    assert kinds == [
        ("active", "reducing", "daily_loss_limit"),
        ("reducing", "halted", "daily_loss_limit"),
        ("halted", "active", "manual_reset"),
        ("active", "halted", "manual_halt"),
    ]
    assert store.strategies("default") == ["s1"]


def test_a_failed_save_changes_nothing() -> None:
    store = InMemoryRiskStateStore()
    observe_equity(store, GUARD, "default", "s1", equity=D(1000), now=T0)
    store.fail_next_save = True
    with pytest.raises(OSError, match="injected"):
        observe_equity(store, GUARD, "default", "s1", equity=D(900), now=minutes(1))
    assert guard_status(store, "default", "s1").mode is GuardMode.ACTIVE
    assert store.records == []
