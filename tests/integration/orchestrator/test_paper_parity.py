"""Parity: a replay session over a synthetic series makes exactly the backtest's trades.

Same workflow, same bars, same fill model: FIXED quantity, 0.1 % commission, 2 bps
slippage, market entries at the next open, the decision's stop/target as a bracket, and
the backtest's direction mode. Entry and exit times, sides and quantities are equal;
prices and fees equal up to float (backtest) vs Decimal (venue) representation.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tradegraph.data.sources.synthetic import synthetic_ohlcv
from tradegraph.orchestrator.sessions.spec import SessionStatus
from tradegraph.risk.stops import StopPolicy, TrailingKind

BARS = 1200
CASES = [
    ("sma_cross", "long"),
    ("sma_cross", "both"),
    ("ema_rsi_mtf", "both"),
    ("supertrend_macd_rsi_mtf", "both"),
    ("breakout_volume", "both"),
    ("confluence_regime", "both"),
    ("ai_analyst_team", "both"),
]


@pytest.mark.parametrize(("workflow", "direction"), CASES)
def test_replay_session_trades_like_the_backtest(  # noqa: PLR0917 - fixtures
    workflow: str,
    direction: str,
    make_spec: Callable[..., object],
    run_paper: Callable[..., object],
    backtest_trades: Callable[..., object],
    assert_same_trades: Callable[..., None],
) -> None:
    frame = synthetic_ohlcv("1h", BARS, seed=0)
    spec = make_spec(workflow, direction=direction)
    paper = run_paper(spec, frame)
    expected, open_position = backtest_trades(spec, frame, direction)
    assert paper.result.status is SessionStatus.STOPPED
    assert paper.result.bars == BARS
    assert len(expected) >= 5  # the series exercises the workflow
    assert_same_trades(paper.trades, expected)
    assert float(paper.position) == open_position
    if workflow not in ("sma_cross",):  # bracket workflows: stops and targets both fired
        reasons = {t.reason for t in paper.trades}
        assert {"stop_loss", "take_profit"} <= reasons, reasons
    decisions = paper.sessions.decisions(spec.session_id, limit=BARS)
    assert len(decisions) == BARS
    assert all(d.decision_id.startswith(f"{spec.session_id}:") for d in decisions)
    assert all(d.inputs["close"] == c for d, c in zip(decisions, frame["close"], strict=True))
    if workflow == "confluence_regime":  # a named workflow output is recorded with each step
        assert isinstance(decisions[-1].inputs["score"], float)
    if workflow == "ai_analyst_team":  # the analysts' reasoning is kept with the decision
        entries = [d for d in decisions if d.direction.value != "flat"]
        assert entries
        assert all(d.reasoning for d in entries)


POLICIES = [
    (
        "breakout_volume",
        "both",
        StopPolicy(
            atr_multiple=1.5, breakeven_r=1.0, trailing=TrailingKind.ATR, trail_multiple=2.5
        ),
    ),
    (
        "sma_cross",
        "long",
        StopPolicy(
            atr_multiple=2.0, breakeven_r=None, trailing=TrailingKind.CHANDELIER, max_bars=30
        ),
    ),
    (
        "confluence_regime",
        "both",
        StopPolicy(
            atr_multiple=3.0,
            trailing=TrailingKind.PERCENT,
            trail_fraction=0.02,
            max_bars=40,
            time_stop_min_r=0.5,
        ),
    ),
]


@pytest.mark.parametrize(("workflow", "direction", "policy"), POLICIES)
def test_stop_policy_session_moves_stops_like_the_backtest(  # noqa: PLR0917 - fixtures
    workflow: str,
    direction: str,
    policy: StopPolicy,
    make_spec: Callable[..., object],
    run_paper: Callable[..., object],
    backtest_trades: Callable[..., object],
    assert_same_trades: Callable[..., None],
) -> None:
    frame = synthetic_ohlcv("1h", BARS, seed=0)
    spec = make_spec(workflow, direction=direction, policy=policy)
    paper = run_paper(spec, frame)
    expected, open_position = backtest_trades(spec, frame, direction)
    assert len(expected) >= 5
    assert_same_trades(paper.trades, expected)
    assert float(paper.position) == open_position
    assert "trailing_stop" in {t.reason for t in paper.trades}  # stops really moved
