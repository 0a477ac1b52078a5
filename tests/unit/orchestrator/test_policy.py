"""The session's decision policy against the backtest kernel.

``_replay`` is the session's bar loop reduced to its semantics (no OMS, no database):
market orders planned at a bar's close fill at the next open (closes first), the new
position's stop and target rest from its fill onwards (the simulated venue's rules for
stop and limit orders: a gap fills at the open first, else the stop before the target) and the policy decides at every close. Over random
decision sequences it must produce the kernel's trades exactly, in every direction mode.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tradegraph.backtest import BacktestConfig, Intents, MarketData, run_backtest
from tradegraph.backtest.config import Direction as Mode
from tradegraph.backtest.config import Sizing
from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.model.enums import Direction, Side
from tradegraph.orchestrator.sessions.policy import CloseReason, Open, plan
from tradegraph.workflow.values import Decision

_ZERO = Decimal(0)


def _decision(
    direction: int, exit_: bool = False, stop: float | None = None, target: float | None = None
) -> Decision:
    return Decision(
        bar=0,
        time_ns=0,
        direction=Direction.LONG
        if direction > 0
        else Direction.SHORT
        if direction < 0
        else Direction.FLAT,
        exit=exit_,
        entry=None,
        stop=stop if direction else None,
        target=target if direction else None,
        confidence=0.5 if direction else 0.0,
        reasoning="",
    )


# --- single decisions ---------------------------------------------------------------------


def test_flat_decision_does_nothing() -> None:
    assert not plan(_decision(0), Decimal(0), Mode.BOTH).acts
    assert not plan(_decision(0), Decimal(3), Mode.LONG).acts


def test_entry_when_flat_with_its_bracket() -> None:
    p = plan(_decision(1, stop=90.0, target=120.0), _ZERO, Mode.LONG)
    assert p.close is None
    assert p.open == Open(Side.BUY, 90.0, 120.0, 0.5)
    assert p.open.direction is Direction.LONG
    assert p.note == "enter long at the next open"


def test_same_direction_entry_is_ignored() -> None:
    p = plan(_decision(1), Decimal(2), Mode.BOTH)
    assert not p.acts
    assert "already long" in p.note


def test_exit_flag_closes_and_cancels_the_bracket() -> None:
    p = plan(_decision(0, exit_=True), Decimal(-2), Mode.BOTH)
    assert p.close is not None
    assert (p.close.side, p.close.quantity, p.close.reason) == (
        Side.BUY,
        Decimal(2),
        CloseReason.SIGNAL,
    )
    assert p.cancel_protection
    assert p.open is None


def test_exit_wins_over_an_entry_on_the_same_bar() -> None:
    p = plan(_decision(1, exit_=True), _ZERO, Mode.BOTH)
    assert p.open is None
    assert p.close is None


def test_long_mode_short_signal_exits_and_never_shorts() -> None:
    assert plan(_decision(-1), Decimal(1), Mode.LONG).close is not None
    p = plan(_decision(-1), _ZERO, Mode.LONG)
    assert p.open is None
    assert p.close is None


def test_short_mode_mirrors_long_mode() -> None:
    assert plan(_decision(1), Decimal(-1), Mode.SHORT).close is not None
    p = plan(_decision(-1), _ZERO, Mode.SHORT)
    assert p.open is not None
    assert p.open.side is Side.SELL


def test_both_mode_reverses() -> None:
    p = plan(_decision(-1, stop=110.0), Decimal(3), Mode.BOTH)
    assert p.close is not None
    assert (p.close.side, p.close.quantity, p.close.reason) == (
        Side.SELL,
        Decimal(3),
        CloseReason.REVERSE,
    )
    assert p.open is not None
    assert p.open.side is Side.SELL
    assert p.cancel_protection
    assert "reverse long → short" in p.note


def test_reverse_mode_ignores_exit_flags() -> None:
    assert not plan(_decision(0, exit_=True), Decimal(1), Mode.REVERSE).acts


def test_time_stop_acts_as_an_exit() -> None:
    p = plan(_decision(0), Decimal(1), Mode.LONG, time_exit=True)
    assert p.close is not None
    assert p.close.reason is CloseReason.TIME_STOP


def test_working_entry_is_canceled_by_an_exit_and_replaced_by_an_entry() -> None:
    assert plan(_decision(0, exit_=True), _ZERO, Mode.BOTH, working_entry=True).cancel_entries
    assert plan(_decision(-1), _ZERO, Mode.BOTH, working_entry=True).cancel_entries


# --- a whole replay against the kernel ----------------------------------------------------


@dataclass
class _Trade:
    direction: int
    entry_bar: int
    exit_bar: int
    entry_price: float
    exit_price: float
    quantity: float


@dataclass
class _Position:
    side: int
    entry_bar: int
    entry_price: float
    stop: float | None
    target: float | None


def _bracket_exit(held: _Position, open_: float, high: float, low: float) -> float | None:
    """Where the position's resting stop or target fills in this bar (the venue's rules
    for a STOP and a LIMIT order): a leg the open already went through fills at the open
    first (a gap); otherwise the stop before the target when the range reaches both."""
    s = held.side
    hits: list[tuple[bool, float]] = []
    if held.stop is not None and (low <= held.stop if s > 0 else high >= held.stop):
        price = min(open_, held.stop) if s > 0 else max(open_, held.stop)
        hits.append((price != open_, price))
    if held.target is not None:
        if (open_ - held.target) * s >= 0:
            hits.append((False, open_))
        elif ((high if s > 0 else low) - held.target) * s >= 0:
            hits.append((True, held.target))
    hits.sort(key=lambda hit: hit[0])
    return hits[0][1] if hits else None


def _replay(frame: pd.DataFrame, decisions: list[Decision], mode: Mode) -> list[_Trade]:
    o, h, lo, c = (frame[k].to_numpy() for k in ("open", "high", "low", "close"))
    trades: list[_Trade] = []
    held: _Position | None = None
    pending_close = False
    pending_open: Open | None = None

    def close(bar: int, price: float) -> None:
        nonlocal held
        assert held is not None
        trades.append(_Trade(held.side, held.entry_bar, bar, held.entry_price, price, 1.0))
        held = None

    for t, decision in enumerate(decisions):
        # open: market orders planned at the previous close, closes first
        if pending_close and held is not None:
            close(t, o[t])
        if pending_open is not None:
            side = 1 if pending_open.side is Side.BUY else -1
            held = _Position(side, t, o[t], pending_open.stop_loss, pending_open.take_profit)
        pending_close, pending_open = False, None
        # range: the bracket legs rest from the fill on (stop first)
        if held is not None:
            hit = _bracket_exit(held, o[t], h[t], lo[t])
            if hit is not None:
                close(t, hit)
        # close: the policy
        position = Decimal(held.side) if held is not None else _ZERO
        p = plan(decision, position, mode)
        if p.close is not None:
            pending_close = True
        pending_open = p.open
    if held is not None:
        trades.append(
            _Trade(held.side, held.entry_bar, len(decisions) - 1, held.entry_price, c[-1], 1.0)
        )
    return trades


def _kernel(
    frame: pd.DataFrame,
    d: np.ndarray,
    ex: np.ndarray,
    sl: np.ndarray,
    tp: np.ndarray,
    *,
    mode: Mode,
) -> list[_Trade]:
    intents = Intents(entry_long=d > 0, entry_short=d < 0, exit=ex, stop_loss=sl, take_profit=tp)
    config = BacktestConfig(cash=1e9, direction=mode, sizing=Sizing.FIXED, size=1.0)
    trades = run_backtest(MarketData.from_frame(frame), intents, config).trades
    return [
        _Trade(
            1 if r.direction == "long" else -1,
            int(r.entry_bar),
            int(r.exit_bar),
            float(r.entry_price),
            float(r.exit_price),
            float(r.qty) if hasattr(r, "qty") else float(r.quantity),
        )
        for r in trades.itertuples()
    ]


@pytest.mark.parametrize("mode", [Mode.LONG, Mode.SHORT, Mode.BOTH, Mode.REVERSE])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("brackets", [False, True])
def test_replay_matches_the_kernel(mode: Mode, seed: int, brackets: bool) -> None:
    n = 400
    frame = synthetic_ohlcv("1h", n, seed=seed)
    rng = np.random.default_rng(seed)
    d = rng.choice([-1, 0, 1], size=n, p=[0.06, 0.88, 0.06])
    ex = rng.random(n) < 0.04
    close = frame["close"].to_numpy()
    atr = (frame["high"] - frame["low"]).rolling(14, min_periods=1).mean().to_numpy()
    sl = np.where(d != 0, close - d * 1.5 * atr, np.nan) if brackets else np.full(n, np.nan)
    tp = np.where(d != 0, close + d * 2.0 * atr, np.nan) if brackets else np.full(n, np.nan)
    decisions = [
        _decision(
            int(d[t]),
            bool(ex[t]),
            float(sl[t]) if np.isfinite(sl[t]) else None,
            float(tp[t]) if np.isfinite(tp[t]) else None,
        )
        for t in range(n)
    ]
    expected = _kernel(frame, d, ex, sl, tp, mode=mode)
    got = _replay(frame, decisions, mode)
    assert len(expected) > 5
    assert got == expected


def test_a_gap_through_the_target_beats_an_intrabar_stop() -> None:
    rows = [
        (100.0, 101.0, 99.0, 100.0),
        (100.0, 101.0, 99.0, 100.0),
        (106.0, 107.0, 94.0, 100.0),  # opens above the target, then trades below the stop
        (100.0, 101.0, 99.0, 100.0),
    ]
    index = pd.date_range("2024-01-01", periods=len(rows), freq="1h", tz="UTC", name="time")
    frame = pd.DataFrame(rows, columns=["open", "high", "low", "close"], index=index)
    frame["volume"] = 1.0
    d = np.array([1, 0, 0, 0])
    ex = np.zeros(4, dtype=bool)
    sl = np.array([95.0, np.nan, np.nan, np.nan])
    tp = np.array([105.0, np.nan, np.nan, np.nan])
    decisions = [_decision(1, stop=95.0, target=105.0), _decision(0), _decision(0), _decision(0)]
    expected = _kernel(frame, d, ex, sl, tp, mode=Mode.LONG)
    assert expected == [_Trade(1, 1, 2, 100.0, 106.0, 1.0)]
    assert _replay(frame, decisions, Mode.LONG) == expected
