"""Property: changing anything after bar t never changes a fill at or before bar t."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradegraph.backtest import (
    BacktestConfig,
    Direction,
    FillMode,
    Intents,
    MarketData,
    run_backtest,
)

N = 60


def _bars(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.03, N)))
    open_ = np.concatenate([[100.0], close[:-1] * np.exp(rng.normal(0, 0.01, N - 1))])
    high = np.maximum(open_, close) * np.exp(rng.uniform(0, 0.02, N))
    low = np.minimum(open_, close) * np.exp(-rng.uniform(0, 0.02, N))
    return open_, high, low, close


def _intents(rng: np.random.Generator, close: np.ndarray) -> dict[str, np.ndarray]:
    def maybe(scale: float, p: float) -> np.ndarray:
        return np.where(rng.random(N) < p, close * (1 + scale * rng.random(N)), np.nan)

    return {
        "entry_long": rng.random(N) < 0.15,
        "entry_short": rng.random(N) < 0.15,
        "exit": rng.random(N) < 0.1,
        "stop_loss": maybe(-0.05, 0.5),
        "take_profit": maybe(0.05, 0.5),
        "trailing": np.where(rng.random(N) < 0.3, close * 0.03, np.nan),
        "limit": maybe(-0.01, 0.2),
    }


def _splice(a: dict[str, np.ndarray], b: dict[str, np.ndarray], t: int) -> dict[str, np.ndarray]:
    return {k: np.concatenate([a[k][: t + 1], b[k][t + 1 :]]) for k in a}


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    cut=st.integers(0, N - 2),
    direction=st.sampled_from(list(Direction)),
    fill=st.sampled_from(list(FillMode)),
    leverage=st.sampled_from([1.0, 3.0]),
)
def test_future_bars_never_change_past_fills(
    seed: int, cut: int, direction: Direction, fill: FillMode, leverage: float
) -> None:
    rng = np.random.default_rng(seed)
    first = _bars(rng)
    second = _bars(rng)
    prices_b = tuple(
        np.concatenate([x[: cut + 1], y[cut + 1 :]]) for x, y in zip(first, second, strict=True)
    )
    # keep bar cut+1 a valid bar after splicing
    o, h, lo, c = (np.array(x) for x in prices_b)
    h = np.maximum(h, np.maximum(o, c))
    lo = np.minimum(lo, np.minimum(o, c))
    intents_a = _intents(rng, first[3])
    intents_b = _splice(intents_a, _intents(rng, c), cut)
    cfg = BacktestConfig(
        direction=direction,
        fill=fill,
        leverage=leverage,
        maintenance_margin=0.1 if leverage > 1 else 0.0,
        commission_pct=0.001,
        slippage_bps=5,
        slippage_atr=0.1,
        atr_period=3,
        order_ttl=3,
    )
    res_a = run_backtest(MarketData.from_arrays(*first), Intents(**intents_a), cfg)
    res_b = run_backtest(MarketData.from_arrays(o, h, lo, c), Intents(**intents_b), cfg)
    fills_a = res_a.fill_records[res_a.fill_records[:, 0] <= cut]
    fills_b = res_b.fill_records[res_b.fill_records[:, 0] <= cut]
    np.testing.assert_array_equal(fills_a, fills_b)
    np.testing.assert_array_equal(res_a.equity_values[: cut + 1], res_b.equity_values[: cut + 1])
    closed_a = res_a.trade_records[res_a.trade_records[:, 3] <= cut]
    closed_b = res_b.trade_records[res_b.trade_records[:, 3] <= cut]
    if cut < N - 1:
        np.testing.assert_array_equal(
            closed_a[closed_a[:, 12] != 7], closed_b[closed_b[:, 12] != 7]
        )


def test_property_is_not_vacuous() -> None:
    """The random cases above do trade, with stops and limits involved."""
    rng = np.random.default_rng(7)
    bars = _bars(rng)
    res = run_backtest(
        MarketData.from_arrays(*bars),
        Intents(**_intents(rng, bars[3])),
        BacktestConfig(direction=Direction.BOTH, order_ttl=3),
    )
    reasons = set(res.trades["exit_reason"])
    assert len(res.trades) >= 3
    assert reasons & {"stop_loss", "take_profit", "trailing_stop"}
    assert pytest.approx(res.final_equity) != 10_000
